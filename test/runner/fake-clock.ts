// A clock for the scheduler tests: time moves only when the test advances it, and timers fire in
// order of due time (then of creation), each followed by every promise callback it set off.
import type { SchedulerClock } from '../../src/runner/scheduler.ts';

interface Timer {
  at: number;
  callback: () => void;
}

/**
 * Lets every queued promise callback and microtask run (they all run before an immediate), and
 * the immediate the scheduler starts a render on, with the callbacks that render set off.
 */
export const settle = async (): Promise<void> => {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
};

export class FakeClock implements SchedulerClock {
  #now = 0;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** A promise that resolves when the clock has been advanced by `ms`. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  async advanceTo(time: number): Promise<void> {
    await settle();
    for (;;) {
      const due = [...this.#timers].filter(([, timer]) => timer.at <= time);
      if (due.length === 0) break;
      // Map order is creation order, so the first of the earliest is the oldest.
      const [id, timer] = due.reduce((first, next) => (next[1].at < first[1].at ? next : first));
      this.#timers.delete(id);
      this.#now = timer.at;
      timer.callback();
      await settle();
    }
    this.#now = time;
    await settle();
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.#now + ms);
  }
}
