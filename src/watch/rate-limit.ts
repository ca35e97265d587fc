// Keeps one watch's requests a minimum time apart. Consul answers a blocking query as soon as its
// index moves, so a resource that changes constantly would otherwise make the loop spin; Consul's
// blocking-query docs ask clients to rate-limit for this reason. Pure: clock and random injected.

export interface RateLimitOptions {
  /** Least time between the starts of two requests (50 ms ≈ at most 20 requests/s). */
  minSpacingMs?: number;
  /** Up to this fraction of the spacing is added at random, so watches do not fire in step. */
  dither?: number;
  now?: () => number;
  /** A number in [0, 1), like Math.random. */
  random?: () => number;
}

export class RateLimiter {
  readonly #minSpacingMs: number;
  readonly #dither: number;
  readonly #now: () => number;
  readonly #random: () => number;
  #lastStart: number | undefined;

  constructor(options: RateLimitOptions = {}) {
    this.#minSpacingMs = options.minSpacingMs ?? 50;
    this.#dither = options.dither ?? 0.2;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    if (!(this.#minSpacingMs >= 0) || !(this.#dither >= 0)) {
      throw new Error(`invalid rate limit: spacing ${this.#minSpacingMs} ms, dither ${this.#dither}`);
    }
  }

  /**
   * How long to wait before starting the next request; the request is counted as started then.
   * The first request, and one after a long enough pause, goes at once.
   */
  reserve(): number {
    const now = this.#now();
    if (this.#lastStart === undefined) {
      this.#lastStart = now;
      return 0;
    }
    const spacing = this.#minSpacingMs * (1 + this.#dither * this.#random());
    const delay = Math.max(0, this.#lastStart + spacing - now);
    this.#lastStart = now + delay;
    return delay;
  }
}
