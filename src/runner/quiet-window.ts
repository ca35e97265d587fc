// Quiescence (`wait`): a burst of changes is let through once no change came for `minMs`, or
// `maxMs` after the first change of the burst at the latest. The runner keeps one window for the
// templates that follow the global `wait` and one for each template with a `wait` of its own.
import type { WaitSettings } from '../config/wait.ts';
import { realClock, type SchedulerClock } from './scheduler.ts';

export class QuietWindow {
  readonly #wait: WaitSettings;
  readonly #clock: SchedulerClock;
  readonly #onQuiet: () => void;
  #timer: unknown;
  /** When the first change of the burst now waiting for quiet came. */
  #burstStartedAt: number | undefined;

  constructor(wait: WaitSettings, onQuiet: () => void, clock: SchedulerClock = realClock) {
    this.#wait = wait;
    this.#onQuiet = onQuiet;
    this.#clock = clock;
  }

  /** A change came: `onQuiet` follows once the burst it belongs to is over. */
  trigger(): void {
    const now = this.#clock.now();
    this.#burstStartedAt ??= now;
    const at = Math.min(now + this.#wait.minMs, this.#burstStartedAt + this.#wait.maxMs);
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = this.#burstStartedAt = undefined;
      this.#onQuiet();
    }, at - now);
  }

  /** Forgets the burst waiting, if any: `onQuiet` will not be called for it. */
  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#burstStartedAt = undefined;
  }
}
