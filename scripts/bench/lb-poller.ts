// Asks the balancer over and over, one request at a time on one keep-alive connection (as a
// client with a connection pool would), until an answer comes from the instance expected: the
// moment a change became visible to that client.
import { Agent, request } from 'undici';

export interface FirstAnswer {
  /** performance.now() when the first answer from the instance had been read. */
  at: number;
  requests: number;
  /** Requests that failed (a connection closed by an old worker after a reload, ...). */
  errors: number;
}

export class LbPoller {
  readonly #url: string;
  readonly #agent = new Agent({ connections: 1, pipelining: 1 });

  constructor(url: string) {
    this.#url = url;
  }

  /** Starts polling at once; resolves when `name` answers, or undefined after `timeoutMs`. */
  async firstAnswerFrom(name: string, timeoutMs: number): Promise<FirstAnswer | undefined> {
    const deadline = performance.now() + timeoutMs;
    let requests = 0;
    let errors = 0;
    while (performance.now() < deadline) {
      requests += 1;
      try {
        const response = await request(this.#url, { dispatcher: this.#agent, headersTimeout: 2_000, bodyTimeout: 2_000 });
        const body = (await response.body.text()).trim();
        if (response.statusCode === 200 && body === name) return { at: performance.now(), requests, errors };
      } catch {
        errors += 1;
      }
    }
    return undefined;
  }

  /**
   * Polls until `until` settles; resolves to performance.now() when the last answer from `name`
   * had been read (undefined if none came): the moment the instance stopped getting traffic.
   */
  async lastAnswerFrom(name: string, until: Promise<unknown>): Promise<number | undefined> {
    let ended = false;
    void until.finally(() => (ended = true));
    let last: number | undefined;
    while (!ended) {
      try {
        const response = await request(this.#url, { dispatcher: this.#agent, headersTimeout: 2_000, bodyTimeout: 2_000 });
        if ((await response.body.text()).trim() === name && response.statusCode === 200) last = performance.now();
      } catch {
        // a connection an old worker closed at a reload: the next poll opens another
      }
    }
    return last;
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
