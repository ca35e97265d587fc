// A counting TCP proxy in front of the Consul agent (the scale bench's only way to count what
// drcon sends): connections open now and at most, and every request's path. It runs in a worker
// thread (scale-proxy-worker.ts); this side asks it for figures. It adds one loopback hop.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { ProxyAsk, ProxyStats } from './scale-proxy-worker.ts';

export interface CountingProxy {
  /** "127.0.0.1:PORT" for drcon's -consul-addr. */
  readonly address: string;
  readonly port: number;
  /** Requests so far, and the paths of those from number `from` on. */
  stats(from?: number): Promise<ProxyStats>;
  /** Starts counting the peak of open connections again from the number open now. */
  resetPeak(): Promise<void>;
  close(): Promise<void>;
}

export async function startCountingProxy(upstreamHost: string, upstreamPort: number): Promise<CountingProxy> {
  const worker = new Worker(new URL('./scale-proxy-worker.ts', import.meta.url), {
    workerData: { host: upstreamHost, port: upstreamPort },
  });
  const [first] = (await once(worker, 'message')) as [{ listening: number }];
  const port = first.listening;
  let nextId = 0;
  const ask = <T>(question: ProxyAsk): Promise<T> => {
    const id = (nextId += 1);
    return new Promise((resolve) => {
      const onMessage = (answer: { id: number } & T) => {
        if (answer.id !== id) return;
        worker.off('message', onMessage);
        resolve(answer);
      };
      worker.on('message', onMessage);
      worker.postMessage({ ...question, id });
    });
  };
  let closed = false;
  return {
    address: `127.0.0.1:${port}`,
    port,
    stats: async (from = 0) => (await ask<{ stats: ProxyStats }>({ ask: 'stats', from })).stats,
    resetPeak: async () => {
      await ask({ ask: 'reset-peak' });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await ask({ ask: 'close' });
      await worker.terminate();
    },
  };
}
