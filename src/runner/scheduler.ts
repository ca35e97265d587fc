// When to render after changes. A change after a quiet period renders at once; changes during a
// render cause exactly one more render after it (never two at a time, and the latest state is
// always rendered); after a render that ran a command (its `run` resolved to true), the next one
// starts at least `minIntervalMs` after it, so a burst costs few commands. Renders that ran no
// command are not paced: a template discovering its dependencies pass by pass stays fast. Quiescence
// (`wait`) comes before: the runner triggers once a template's window is quiet (quiet-window.ts).

export interface SchedulerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SchedulerOptions {
  minIntervalMs: number;
  /** Time source and timers; the real ones unless a test injects its own. */
  clock?: SchedulerClock;
  /** Receives a rejection of `run`, which should handle its own errors; the scheduler goes on. */
  onError?: (error: unknown) => void;
}

export const realClock: SchedulerClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class RenderScheduler {
  readonly #minIntervalMs: number;
  readonly #clock: SchedulerClock;
  readonly #onError: (error: unknown) => void;
  readonly #run: () => Promise<boolean | void>;

  #stopped = false;
  #running = false;
  /** A change is waiting to be rendered. */
  #due = false;
  /** A start is arranged: a microtask or the interval timer. */
  #startArranged = false;
  #intervalTimer: unknown;
  /** When the last render that ran a command started. */
  #lastPacedStartAt: number | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: SchedulerOptions, run: () => Promise<boolean | void>) {
    this.#minIntervalMs = options.minIntervalMs;
    this.#clock = options.clock ?? realClock;
    this.#onError = options.onError ?? (() => {});
    this.#run = run;
  }

  /** Something changed: a render must follow. */
  trigger(): void {
    if (this.#stopped) return;
    this.#due = true;
    // While a render runs, the change is picked up when it ends (one more render, not two).
    if (!this.#running) this.#arrangeStart();
  }

  /** No render starts after this; one in progress finishes (see whenIdle). */
  stop(): void {
    this.#stopped = true;
    this.#due = false;
    if (this.#intervalTimer !== undefined) this.#clock.clearTimeout(this.#intervalTimer);
    this.#intervalTimer = undefined;
    this.#startArranged = false;
    this.#settleIdle();
  }

  /** Resolves once no render is running or waiting to run. */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isIdle(): boolean {
    return !this.#running && !this.#due;
  }

  #arrangeStart(): void {
    if (this.#startArranged || this.#stopped) return;
    this.#startArranged = true;
    const earliest = this.#lastPacedStartAt === undefined ? -Infinity : this.#lastPacedStartAt + this.#minIntervalMs;
    const delay = earliest - this.#clock.now();
    if (delay <= 0) {
      // No added latency, but after the I/O callbacks ready now: changes that arrived together
      // (answers read in the same turn of the event loop, as a template's first answers are)
      // render once. A microtask would start a render for each answer.
      setImmediate(() => this.#start());
    } else {
      this.#intervalTimer = this.#clock.setTimeout(() => {
        this.#intervalTimer = undefined;
        this.#start();
      }, delay);
    }
  }

  #start(): void {
    if (!this.#startArranged) return; // stopped meanwhile
    this.#startArranged = false;
    this.#due = false;
    this.#running = true;
    const startedAt = this.#clock.now();
    // Through a promise constructor, so a run that throws before returning its promise is caught too.
    void new Promise<boolean | void>((resolve) => resolve(this.#run()))
      .then((ranCommand) => {
        if (ranCommand === true) this.#lastPacedStartAt = startedAt;
      })
      .catch((error: unknown) => this.#onError(error))
      .finally(() => {
        this.#running = false;
        if (this.#due) this.#arrangeStart();
        this.#settleIdle();
      });
  }

  #settleIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
