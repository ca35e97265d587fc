// Everything a mode starts is stopped when it ends, in reverse order, even when it fails — or
// when the bench is interrupted (bench.ts calls runAllCleanups on SIGINT/SIGTERM), so no Consul
// agent, drcon or Nginx outlives it.
import type { ChildProcess } from 'node:child_process';

const active = new Set<Cleanups>();

export class Cleanups {
  readonly #steps: (() => unknown)[] = [];
  #ran = false;

  constructor() {
    active.add(this);
  }

  /** After run() (an interrupt), a mode still going may start something: it is stopped at once. */
  defer(step: () => unknown): void {
    this.#steps.push(step);
    if (this.#ran) void this.run();
  }

  /** Runs every step (latest first); a failing step is reported and the others still run. */
  async run(): Promise<void> {
    active.delete(this);
    this.#ran = true;
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await step();
      } catch (error) {
        console.error(`bench: cleanup failed: ${(error as Error).message}`);
      }
    }
  }
}

/** Runs the cleanups of every mode still running. */
/** Runs `work` with a fresh Cleanups, which runs when `work` ends, however it ends. */
export async function withCleanups<T>(work: (cleanups: Cleanups) => Promise<T>): Promise<T> {
  const cleanups = new Cleanups();
  try {
    return await work(cleanups);
  } finally {
    await cleanups.run();
  }
}

export async function runAllCleanups(): Promise<void> {
  await Promise.all([...active].map((cleanups) => cleanups.run()));
}

const runningChildren = new Set<ChildProcess>();
let exitListenerAdded = false;

/**
 * A last resort for a child started while an interrupt was being handled: SIGTERM to it when the
 * bench process exits, if it still runs.
 */
export function terminateOnExit(child: ChildProcess): void {
  // One exit listener for all of them: a listener each passed Node's limit of ten (a warning).
  if (!exitListenerAdded) {
    process.on('exit', () => {
      for (const running of runningChildren) if (running.exitCode === null && running.signalCode === null) running.kill('SIGTERM');
    });
    exitListenerAdded = true;
  }
  runningChildren.add(child);
  child.once('exit', () => runningChildren.delete(child));
}
