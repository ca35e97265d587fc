// Steady HTTP traffic for the soak: a few clients, each sending one GET at a time at a fixed pace,
// counting every request that did not come back 200 — a refused or reset connection included.
// Nothing is retried: a failure must show. Half the clients reuse keep-alive connections, half
// open a fresh connection per request, so the two kinds of failure can be told apart: a request
// on a reused connection can meet an old Nginx worker closing it at a reload (the HTTP keep-alive
// race that clients answer by retrying); a fresh connection can not.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

export interface ClientsResult {
  ok: number;
  failed: number;
  /** The first few failures, as "status body" or the error. */
  examples: string[];
}

export interface TrafficResult {
  keepAlive: ClientsResult;
  fresh: ClientsResult;
  /** Names that answered (backends put theirs in the body), with counts. */
  answeredBy: Map<string, number>;
}

export interface SteadyTraffic {
  /** Stops sending, waits for the requests in flight, and closes the connections (once). */
  stop(): Promise<TrafficResult>;
  /** Requests so far, ok or not. */
  count(): number;
  /** Names that answered so far, with counts. */
  answeredBy(): ReadonlyMap<string, number>;
}

export function startSteadyTraffic(url: string, clientsOfEachKind: number, pauseMs: number): SteadyTraffic {
  const { origin, pathname } = new URL(url);
  // Separate pools, so that a fresh-connection request is never sent on a kept-alive one.
  const keepAlivePool = new Pool(origin, { connections: clientsOfEachKind, pipelining: 1 });
  const freshPool = new Pool(origin, { connections: clientsOfEachKind, pipelining: 1 });
  const result: TrafficResult = { keepAlive: emptyResult(), fresh: emptyResult(), answeredBy: new Map() };
  let running = true;
  const client = async (fresh: boolean) => {
    const tally = fresh ? result.fresh : result.keepAlive;
    const fail = (why: string) => {
      tally.failed++;
      if (tally.examples.length < 5) tally.examples.push(why);
    };
    while (running) {
      try {
        // `reset` closes the connection after the answer: the next request opens a new one.
        const response = await (fresh ? freshPool : keepAlivePool).request({ path: pathname, method: 'GET', reset: fresh });
        const body = (await response.body.text()).trim();
        if (response.statusCode === 200) {
          tally.ok++;
          result.answeredBy.set(body, (result.answeredBy.get(body) ?? 0) + 1);
        } else {
          fail(`${response.statusCode} ${body.slice(0, 80)}`);
        }
      } catch (error) {
        fail((error as Error).message);
      }
      await sleep(pauseMs);
    }
  };
  const clients = Promise.all([
    ...Array.from({ length: clientsOfEachKind }, () => client(false)),
    ...Array.from({ length: clientsOfEachKind }, () => client(true)),
  ]);
  let stopped: Promise<TrafficResult> | undefined;
  return {
    count: () => result.keepAlive.ok + result.keepAlive.failed + result.fresh.ok + result.fresh.failed,
    answeredBy: () => result.answeredBy,
    stop() {
      stopped ??= (async () => {
        running = false;
        await clients;
        await Promise.all([keepAlivePool.close(), freshPool.close()]);
        return result;
      })();
      return stopped;
    },
  };
}

function emptyResult(): ClientsResult {
  return { ok: 0, failed: 0, examples: [] };
}
