// How many failed tries in a row a one-shot run allows each Consul query. A watching drcon never
// gives up (it keeps its last good files and retries); a script running `-once` wants an answer.
import type { Dependency } from '../dependency/dependency.ts';

export class RetryBudget {
  /** 0: no limit. */
  readonly #attempts: number;
  /** Failed tries since the last success, by dependency id. */
  readonly #failures = new Map<string, number>();

  constructor(attempts: number) {
    this.#attempts = attempts;
  }

  /** Counts a failed try; true once the query has failed `attempts` times in a row. */
  failed(dependency: Dependency): boolean {
    const failures = (this.#failures.get(dependency.id) ?? 0) + 1;
    this.#failures.set(dependency.id, failures);
    return this.#attempts > 0 && failures >= this.#attempts;
  }

  recovered(dependency: Dependency): void {
    this.#failures.delete(dependency.id);
  }
}
