// Nginx reloads seen from Nginx's side: every reload the master accepts starts a new set of
// worker processes, so new worker PIDs among the master's children mark a reload done.
// Reads /proc/PID/task/PID/children (Linux); the master is single-threaded.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The master's child processes now: its workers (old ones too, while they finish). */
export function workerPids(masterPid: number): number[] {
  try {
    return readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Resolves to performance.now() once a worker not in `known` runs; undefined after `timeoutMs`. */
export async function newWorkerStarted(masterPid: number, known: ReadonlySet<number>, timeoutMs: number): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (workerPids(masterPid).some((pid) => !known.has(pid))) return performance.now();
    await sleep(1);
  }
  return undefined;
}

/** Counts worker generations started while it samples. */
export class WorkerGenerations {
  readonly #masterPid: number;
  readonly #seen: Set<number>;
  readonly #perGeneration: number;
  #newWorkers = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(masterPid: number) {
    this.#masterPid = masterPid;
    this.#seen = new Set(workerPids(masterPid));
    this.#perGeneration = Math.max(1, this.#seen.size);
  }

  /** Samples every `intervalMs`; a generation lives at least a min-interval, so none is missed. */
  start(intervalMs = 10): void {
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  /** Stops sampling; how many worker generations started since construction. */
  stop(): { generations: number; newWorkers: number; workersPerGeneration: number } {
    clearInterval(this.#timer);
    this.#sample();
    return { generations: Math.ceil(this.#newWorkers / this.#perGeneration), newWorkers: this.#newWorkers, workersPerGeneration: this.#perGeneration };
  }

  #sample(): void {
    for (const pid of workerPids(this.#masterPid)) {
      if (this.#seen.has(pid)) continue;
      this.#seen.add(pid);
      this.#newWorkers += 1;
    }
  }
}
