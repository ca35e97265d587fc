// The real Consul client, counting the requests in flight: all of them, and the blocking ones
// (those sent with an index). Each HTTP request in flight holds one connection to the agent.
import type { ConsulReader } from '../../src/watch/blocking-query.ts';
import type { ConsulClient } from '../../src/consul/client.ts';

export interface CountingReader extends ConsulReader {
  readonly inFlight: number;
  readonly blocking: number;
  /** Highest counts seen since the last `resetPeaks`. */
  readonly peakInFlight: number;
  readonly peakBlocking: number;
  /** Paths of the blocking requests in flight now. */
  blockingPaths(): string[];
  /** Requests finished, by path (with " filter=…" when the request had one). */
  readonly finished: Map<string, number>;
  resetPeaks(): void;
}

export function countingReader(client: ConsulClient): CountingReader {
  let inFlight = 0;
  let peakInFlight = 0;
  let peakBlocking = 0;
  const blocking = new Map<object, string>();
  const finished = new Map<string, number>();
  return {
    get: async (path, params, options = {}) => {
      const token = {};
      inFlight += 1;
      if (options.index !== undefined) blocking.set(token, path);
      peakInFlight = Math.max(peakInFlight, inFlight);
      peakBlocking = Math.max(peakBlocking, blocking.size);
      try {
        return await client.get(path, params, options);
      } finally {
        inFlight -= 1;
        blocking.delete(token);
        const key = params.filter === undefined ? path : `${path} filter=${params.filter}`;
        finished.set(key, (finished.get(key) ?? 0) + 1);
      }
    },
    get inFlight() {
      return inFlight;
    },
    get blocking() {
      return blocking.size;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    get peakBlocking() {
      return peakBlocking;
    },
    blockingPaths: () => [...blocking.values()],
    finished,
    resetPeaks: () => {
      peakInFlight = inFlight;
      peakBlocking = blocking.size;
    },
  };
}
