// The file a template's command appends `date +%s%N` to: each line is one command run and the
// wall-clock time (ns) at which it ran.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export class CommandLog {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** The shell command a template runs to record itself. */
  get command(): string {
    return `date +%s%N >> ${this.path}`;
  }

  /** Every run so far, in order, as wall-clock ns. */
  runs(): bigint[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8').split('\n').filter(Boolean).map((line) => BigInt(line));
  }

  /** Waits until there are more than `count` runs; undefined when none came within `timeoutMs`. */
  async waitForRunAfter(count: number, timeoutMs: number): Promise<bigint | undefined> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const runs = this.runs();
      if (runs.length > count) return runs[count];
      await sleep(1);
    }
    return undefined;
  }

  /** Waits until no run came for `quietMs` (at most `timeoutMs`); returns all runs. */
  async waitForQuiet(quietMs: number, timeoutMs: number): Promise<bigint[]> {
    const deadline = performance.now() + timeoutMs;
    let runs = this.runs();
    let changedAt = performance.now();
    while (performance.now() < deadline && performance.now() - changedAt < quietMs) {
      await sleep(20);
      const now = this.runs();
      if (now.length !== runs.length) {
        runs = now;
        changedAt = performance.now();
      }
    }
    return runs;
  }
}
