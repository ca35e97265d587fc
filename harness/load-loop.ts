// A client sending one request after another to a URL (through the balancer), counting answers
// that are not 200 and requests that got no answer: fault tests assert that this stays at zero.
//
// Each request opens its own connection. On a reload Nginx's old workers close their idle
// keep-alive connections, and a request sent on one at that moment is lost (here about once in
// 80 reloads). HTTP lets a client retry such a request and browsers do, but fetch does not; a
// fresh connection per request keeps the count about what the balancer serves.
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadLoop {
  readonly ok: number;
  readonly failed: number;
  /** The first few failures, as "STATUS body" or the error code, with the time. */
  readonly failures: readonly string[];
  /** Forgets the counts so far (e.g. once the balancer is serving). */
  reset(): void;
  /** Stops after the request in flight; resolves when it has. */
  stop(): Promise<void>;
}

export function startLoadLoop(url: string): LoadLoop {
  let ok = 0;
  let failed = 0;
  const failures: string[] = [];
  let running = true;
  const fail = (what: string) => {
    failed += 1;
    if (failures.length < 20) failures.push(`${what} at ${new Date().toISOString()}`);
  };
  const once = () =>
    new Promise<void>((resolve) => {
      const sent = request(url, { agent: false, timeout: 10_000 }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          if (response.statusCode === 200) ok += 1;
          else fail(`${response.statusCode} ${body.trim()}`);
          resolve();
        });
        response.on('error', (error) => {
          fail(error.message);
          resolve();
        });
      });
      sent.on('timeout', () => sent.destroy(new Error('no answer within 10 s')));
      sent.on('error', (error: NodeJS.ErrnoException) => {
        fail(error.code ?? error.message);
        resolve();
      });
      sent.end();
    });
  const loop = (async () => {
    while (running) {
      await once();
      await sleep(2); // a few hundred requests a second: dense, and leaves CPU for the rest
    }
  })();
  return {
    get ok() {
      return ok;
    },
    get failed() {
      return failed;
    },
    failures,
    reset() {
      ok = 0;
      failed = 0;
      failures.length = 0;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
