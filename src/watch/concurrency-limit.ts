// At most `max` tasks run at once; the others wait their turn in arrival order. The watcher's
// non-blocking fetches go through one of these, so they add at most `max` connections to the
// agent on top of its blocking loops (the HTTP pool opens one connection per concurrent request).

export class ConcurrencyLimit {
  readonly #max: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #idleWaiters: (() => void)[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`invalid concurrency limit ${max}: expected a whole number ≥ 1`);
    this.#max = max;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running < this.#max) this.#running += 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `running` never exceeds the limit.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
      if (this.#running === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  /** Resolves once no task runs or waits (at once if none does), or when `signal` aborts. */
  whenIdle(signal: AbortSignal): Promise<void> {
    if (this.#running === 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        const at = this.#idleWaiters.indexOf(done);
        if (at >= 0) this.#idleWaiters.splice(at, 1);
        resolve();
      };
      this.#idleWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Tasks running now (for tests and metrics). */
  get running(): number {
    return this.#running;
  }
}
