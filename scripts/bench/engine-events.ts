// The container events of a Docker-compatible engine (here Podman's API), as the bench sees them:
// for each container and action, the engine's own time of the event (`timeNano`) and when the
// bench read it. Follows the stream with drcon register's own Docker client.
import { DockerClient } from '../../src/register/docker-client.ts';
import { parseDockerHost } from '../../src/register/docker-host.ts';

export interface SeenEvent {
  /** The engine's time of the event, ms since the epoch. */
  readonly at: number;
  /** When the bench read it, ms since the epoch. */
  readonly readAt: number;
}

export interface EngineEvents {
  /** The first event of `action` for the container, once it came (undefined after `timeoutMs`). */
  next(id: string, action: string, timeoutMs: number): Promise<SeenEvent | undefined>;
  stop(): Promise<void>;
}

export async function followEngineEvents(dockerHost: string): Promise<EngineEvents> {
  const client = new DockerClient(parseDockerHost(dockerHost));
  const connection = new AbortController();
  const seen = new Map<string, SeenEvent>();
  const waiters = new Map<string, () => void>();
  const key = (id: string, action: string) => `${id} ${action}`;
  const stream = await client.events(connection.signal);
  const reading = (async () => {
    for await (const event of stream) {
      const id = event.Actor?.ID ?? event.id;
      const action = (event.Action ?? event.status ?? '').split(':')[0]!;
      if (typeof id !== 'string' || event.timeNano === undefined) continue;
      const k = key(id, action);
      if (seen.has(k)) continue;
      seen.set(k, { at: event.timeNano / 1e6, readAt: Date.now() });
      waiters.get(k)?.();
    }
  })().catch(() => undefined); // ends when stopped
  return {
    async next(id, action, timeoutMs) {
      const k = key(id, action);
      if (!seen.has(k)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          waiters.set(k, () => (clearTimeout(timer), resolve()));
        });
        waiters.delete(k);
      }
      return seen.get(k);
    },
    async stop() {
      connection.abort();
      await reading;
      await client.close();
    },
  };
}
