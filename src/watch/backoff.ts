// Capped exponential backoff with jitter, for retrying a failed Consul request. Pure: the random
// source is injected, and nothing here sleeps.

export type Jitter = 'full' | 'equal';

export interface BackoffOptions {
  /** Ceiling of the first delay. */
  initialMs?: number;
  /** Ceiling of any delay: a returning agent is noticed within about this long. */
  maxMs?: number;
  /**
   * "full": anywhere in [0, ceiling); "equal": in [ceiling/2, ceiling), so retries never come
   * back to back. Equal is the default: it still spreads clients apart but keeps a floor.
   */
  jitter?: Jitter;
  /** A number in [0, 1), like Math.random. */
  random?: () => number;
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #jitter: Jitter;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 50;
    this.#maxMs = options.maxMs ?? 1_000;
    this.#jitter = options.jitter ?? 'equal';
    this.#random = options.random ?? Math.random;
    if (!(this.#initialMs > 0) || !(this.#maxMs >= this.#initialMs)) {
      throw new Error(`invalid backoff: initial ${this.#initialMs} ms, max ${this.#maxMs} ms`);
    }
  }

  /** The delay before the next retry; each call doubles the ceiling until it reaches the cap. */
  next(): number {
    // Stop growing the exponent once capped, so it cannot overflow on a long outage.
    const ceiling = Math.min(this.#maxMs, this.#initialMs * 2 ** this.#attempt);
    if (ceiling < this.#maxMs) this.#attempt += 1;
    const random = this.#random();
    return this.#jitter === 'full' ? random * ceiling : ceiling / 2 + (random * ceiling) / 2;
  }

  /** Back to the first delay, after a success. */
  reset(): void {
    this.#attempt = 0;
  }
}
