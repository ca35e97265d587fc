// Follows the Docker engine: on start and on every reconnect it lists the running containers
// and hands the whole list to the table (reconciliation is not optional: events missed while the
// stream was down are simply not needed), then applies each event to the one container it names.
// Events of one container are handled in order; different containers in parallel.
import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff } from '../watch/backoff.ts';
import type { Logger } from '../log/logger.ts';
import type { DockerClient } from './docker-client.ts';
import type { ContainerInspect, EngineEvent } from './docker-types.ts';
import type { ContainerTable } from './container-table.ts';
import type { EventTiming } from './plan.ts';

export type DeregisterMode = 'always' | 'on-success';

export interface DockerFollowerEvents {
  dockerConnected(): void;
  dockerFailed(message: string): void;
}

export interface DockerFollowerOptions {
  docker: DockerClient;
  table: ContainerTable;
  logger: Logger;
  events: DockerFollowerEvents;
  /** -deregister on-success: a container that exited with a non-zero status stays registered. */
  deregister: DeregisterMode;
  /** -resync: list everything again this often, besides the events (0: never). */
  resyncMs: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
}

/** Signals that stop a container (a `kill` event without one is `docker stop`'s SIGTERM). */
const stopSignals = new Set(['', '2', '3', '9', '15', 'INT', 'QUIT', 'KILL', 'TERM']);
/** How long after a health_status event Podman has surely stored the status it announced. */
const healthSettleMs = 500;

export class DockerFollower {
  readonly #options: DockerFollowerOptions;
  /** The last task queued for each container. */
  readonly #queues = new Map<string, Promise<void>>();

  constructor(options: DockerFollowerOptions) {
    this.#options = options;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { docker, logger, events } = this.#options;
    const backoff = new Backoff({ initialMs: this.#options.retryInitialMs ?? 100, maxMs: this.#options.retryMaxMs ?? 2_000 });
    let failing = false;
    while (!signal.aborted) {
      const connection = new AbortController();
      const stop = () => connection.abort();
      signal.addEventListener('abort', stop, { once: true });
      const resync = this.#options.resyncMs > 0 ? setInterval(() => void this.#relist().catch(() => connection.abort()), this.#options.resyncMs) : undefined;
      try {
        // Subscribed before listing: an event during the listing is then applied after it.
        const stream = await docker.events(connection.signal);
        await this.#relist();
        events.dockerConnected();
        if (failing) logger.info(`Docker engine at ${docker.address} answers again; containers listed again`);
        failing = false;
        backoff.reset();
        for await (const event of stream) this.#handle(event, connection);
        if (!signal.aborted) throw new Error(`the event stream from ${docker.address} ended`);
      } catch (error) {
        if (signal.aborted) break;
        const message = (error as Error).message;
        events.dockerFailed(message);
        if (!failing) logger.warn(`Docker: ${message}; reconnecting`);
        failing = true;
        await sleep(backoff.next(), undefined, { signal }).catch(() => {});
      } finally {
        clearInterval(resync);
        signal.removeEventListener('abort', stop);
        connection.abort();
      }
    }
    await Promise.allSettled(this.#queues.values());
  }

  async #relist(): Promise<void> {
    const { docker, table } = this.#options;
    const ids = await docker.runningContainers();
    // As many at once as the client has connections (see docker-client.ts).
    const found = await Promise.all(ids.map((id) => docker.inspect(id)));
    table.replaceAll(found.filter((container): container is ContainerInspect => container !== undefined && serves(container)));
  }

  #handle(event: EngineEvent, connection: AbortController): void {
    const id = event.Actor?.ID ?? event.id;
    const action = (event.Action ?? event.status ?? '').split(':')[0]!;
    if (typeof id !== 'string' || id === '') return;
    const receivedAt = Date.now();
    const timing = { at: event.timeNano !== undefined ? event.timeNano / 1e6 : event.time !== undefined ? event.time * 1000 : receivedAt, receivedAt };
    const attributes = event.Actor?.Attributes ?? {};
    const { table, docker, logger } = this.#options;
    this.#enqueue(id, async () => {
      switch (action) {
        case 'start':
        case 'unpause':
          this.#apply(id, await docker.inspect(id), timing);
          return;
        case 'health_status': {
          const container = await docker.inspect(id);
          this.#apply(id, container, timing);
          // Podman sends health_status before it has stored the status (seen with 4.3: 1 event in 8
          // inspected as still "starting"), and no later event may come. Unless the event names
          // the status inspect saw, as Docker's does, look once more when Podman has written it.
          if (container !== undefined && serves(container) && reportedHealth(event) !== container.State?.Health?.Status) {
            sleep(healthSettleMs, undefined, { signal: connection.signal }).then(
              () => this.#enqueue(id, async () => this.#apply(id, await docker.inspect(id), timing), connection),
              () => {},
            );
          }
          return;
        }
        case 'kill':
          if (stopSignals.has((attributes.signal ?? '').toUpperCase().replace(/^SIG/, ''))) table.drain(id);
          return;
        case 'die':
          if (this.#options.deregister === 'on-success' && (attributes.exitCode ?? '0') !== '0' && table.has(id)) {
            logger.info(`container ${attributes.name ?? id.slice(0, 12)} exited with status ${attributes.exitCode}: kept registered (-deregister on-success)`);
            return;
          }
          table.remove(id);
          return;
        case 'stop':
        case 'pause':
        case 'destroy':
          table.remove(id);
      }
    }, connection);
  }

  #apply(id: string, container: ContainerInspect | undefined, timing: EventTiming): void {
    if (container !== undefined && serves(container)) this.#options.table.set(container, timing);
    else this.#options.table.remove(id);
  }

  #enqueue(id: string, task: () => Promise<void>, connection: AbortController): void {
    const previous = this.#queues.get(id) ?? Promise.resolve();
    const next = previous.then(task).catch((error: Error) => {
      // The engine stopped answering: reconnect, which lists everything again.
      this.#options.logger.debug('event handling failed', { container: id.slice(0, 12), error: error.message });
      connection.abort();
    }).finally(() => {
      if (this.#queues.get(id) === next) this.#queues.delete(id);
    });
    this.#queues.set(id, next);
  }
}

/** The status a health_status event says it reports: Docker's "health_status: healthy", or an attribute. */
function reportedHealth(event: EngineEvent): string | undefined {
  const action = event.Action ?? event.status ?? '';
  const colon = action.indexOf(':');
  return colon >= 0 ? action.slice(colon + 1).trim() : event.Actor?.Attributes?.health_status;
}

/** Running and not paused: it can answer requests. */
function serves(container: ContainerInspect): boolean {
  return container.State?.Running === true && container.State.Paused !== true;
}
