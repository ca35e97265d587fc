// When each instance of a service turned passing in Consul, and when it stopped being so, as a
// client of Consul sees it: one blocking query on /v1/health/service/NAME?passing, asked again at
// every answer; each time is when the bench had read the answer (ms since the epoch).
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

export interface PassingWatch {
  /** When `serviceId` was first seen passing (undefined after `timeoutMs`). */
  passing(serviceId: string, timeoutMs: number): Promise<number | undefined>;
  /** When `serviceId`, seen before, was first missing from the passing list (undefined after `timeoutMs`). */
  gone(serviceId: string, timeoutMs: number): Promise<number | undefined>;
  stop(): Promise<void>;
}

export function watchPassing(consulUrl: string, service: string): PassingWatch {
  const pool = new Pool(consulUrl, { connections: 1 });
  const stopping = new AbortController();
  const passingAt = new Map<string, number>();
  const goneAt = new Map<string, number>();
  const listeners = new Set<() => void>();
  let index = '0';
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const answer = await pool.request({
          method: 'GET', path: `/v1/health/service/${encodeURIComponent(service)}?passing=1&index=${index}&wait=30s`,
          signal: stopping.signal, headersTimeout: 40_000,
        });
        const entries = (await answer.body.json()) as { Service: { ID: string } }[];
        const readAt = Date.now();
        index = String(answer.headers['x-consul-index'] ?? '0');
        const ids = new Set(entries.map((entry) => entry.Service.ID));
        for (const id of ids) if (!passingAt.has(id)) passingAt.set(id, readAt);
        for (const id of passingAt.keys()) if (!ids.has(id) && !goneAt.has(id)) goneAt.set(id, readAt);
        for (const listener of listeners) listener();
      } catch {
        if (!stopping.signal.aborted) await sleep(100);
      }
    }
  })();
  const until = async (times: Map<string, number>, id: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!times.has(id) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const done = () => (clearTimeout(timer), listeners.delete(done), resolve());
        const timer = setTimeout(done, deadline - Date.now());
        listeners.add(done);
      });
    }
    return times.get(id);
  };
  return {
    passing: (id, timeoutMs) => until(passingAt, id, timeoutMs),
    gone: (id, timeoutMs) => until(goneAt, id, timeoutMs),
    async stop() {
      stopping.abort();
      await loop;
      await pool.close();
    },
  };
}
