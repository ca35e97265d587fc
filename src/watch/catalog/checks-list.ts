// When the list of all checks is fetched (see the glossary in change-detector.ts). It is the
// exact record of check writes, and by far the largest answer, so it is never blocked on: it is
// fetched when the check index moves past the list held, once the critical checks had their
// chance to mark what changed and the round fetching the fast signals' marks is done; after a
// write the fast signals explained, within checksReconcileMs; and as a fallback when the ledger
// waits for it and no check index came.
import { allChecks, type CheckRow } from '../../dependency/catalog-changes.ts';
import { Backoff } from '../backoff.ts';
import { parseAnswer, readAnswer, requireIndex } from '../read-dependency.ts';
import type { DetectorParts } from './detector-parts.ts';

export interface ChecksListOptions extends DetectorParts {
  /** Longest delay of the list after a check write the fast signals explained. */
  checksReconcileMs: number;
  /** Whether the fetcher's rounds run yet (before, no round is waited for). */
  fetching(): boolean;
  /** A list failed to come: every watched service is fetched again meanwhile. */
  requestSweep(): void;
  /** A newer list; `before` is the one it replaces (undefined for the first). */
  onList(before: readonly CheckRow[] | undefined, rows: readonly CheckRow[], index: number): void;
}

/** How long the list waits for the critical checks to catch up with the check index. */
const criticalLagMs = 250;
/** Explained check writes remembered at most. */
const explainedLimit = 1_024;

export class ChecksList {
  readonly #options: ChecksListOptions;
  #rows: readonly CheckRow[] | undefined;
  /** The index of the rows held (the answer of the last fetch). */
  #index = 0;
  /** The check index as its loop last answered: the rows held are behind while below it. */
  #loopIndex = 0;
  /** The index of the last answer of the critical checks. */
  #criticalIndex = 0;
  /** How long the last fetch took: the fallback waits about twice that. */
  #costMs = 0;
  /** A fetch is in flight. */
  #fetchingList = false;
  readonly #backoff = new Backoff();
  #retry: NodeJS.Timeout | undefined;
  #fallback: NodeJS.Timeout | undefined;
  /** Fetches even though the critical checks have not caught up (their loop may be failing). */
  #criticalLagTimer: NodeJS.Timeout | undefined;
  #reconcileTimer: NodeJS.Timeout | undefined;
  /**
   * Check writes the fast signals showed: a check turning critical (its ModifyIndex) or a service
   * fetched again (its answer's index). A move of the check index to one of these needs no list
   * at once; the list still comes within checksReconcileMs, for what one answer may hide.
   */
  readonly #explained = new Set<number>();
  /** The fetch round that brings what the fast signals marked last: the list waits for it. */
  #fastRound = 0;

  constructor(options: ChecksListOptions) {
    this.#options = options;
  }

  /** The rows of the last list, undefined before the first. */
  get rows(): readonly CheckRow[] | undefined {
    return this.#rows;
  }

  /** The newest check index any answer showed. */
  get reach(): number {
    return Math.max(this.#index, this.#loopIndex, this.#criticalIndex);
  }

  /** The warning loop answered: it gives the check index. */
  checkIndexMoved(index: number): void {
    // Backwards (a new agent, a restore): start over from the next list; the ledger resets too.
    if (index < this.#loopIndex) this.#index = 0;
    this.#loopIndex = index;
    this.fetchWhenDue();
  }

  criticalAnswered(index: number): void {
    this.#criticalIndex = index;
    this.fetchWhenDue();
  }

  /** Check writes the fast signals showed. */
  explain(indexes: Iterable<number>): void {
    for (const index of indexes) {
      if (this.#explained.size >= explainedLimit) this.#explained.clear(); // forgotten: the list comes at once
      this.#explained.add(index);
    }
  }

  /** The fast signals marked services: the list waits for the round that fetches them. */
  waitForRound(round: number): void {
    this.#fastRound = round;
  }

  /**
   * Fetches the list if the check index has moved past the one held, once the fetch round of
   * the services the fast signals named is done: that round must not wait for it.
   */
  fetchWhenDue(): void {
    if (this.#fetchingList || (this.#rows !== undefined && this.#index >= this.#loopIndex)) return;
    // A write to the services too (an instance registered or removed): only the list can tell.
    const servicesWrite = (this.#options.ledger.pending ?? -1) >= this.#loopIndex;
    if (this.#rows !== undefined && !servicesWrite && this.#criticalIndex < this.#loopIndex) {
      // The critical checks answer on the same index, and a check that turned critical or back
      // shows there first: let them mark its service before the big list is asked for.
      this.#criticalLagTimer ??= setTimeout(() => {
        this.#criticalLagTimer = undefined;
        this.#criticalIndex = Math.max(this.#criticalIndex, this.#loopIndex);
        this.fetchWhenDue();
      }, criticalLagMs);
      return;
    }
    if (this.#options.fetching() && this.#options.fetcher.roundsFinished < this.#fastRound) return; // the round's end calls again
    clearTimeout(this.#criticalLagTimer);
    this.#criticalLagTimer = undefined;
    if (this.#rows !== undefined && this.#explained.has(this.#loopIndex)) {
      this.#reconcileTimer ??= setTimeout(() => {
        this.#reconcileTimer = undefined;
        void this.#fetch();
      }, this.#options.checksReconcileMs);
      return;
    }
    void this.#fetch();
  }

  /**
   * The check index has passed the services index, but a blocking query on the checks wakes only
   * when a check itself changes, and Consul also moves the index for writes that change none
   * (removing an instance without checks). If the warning loop, which gives the check index, has
   * not answered (and so no list followed) by the time it should have, fetch the list anyway.
   */
  arrangeFallback(): void {
    if (this.#fallback !== undefined) return;
    this.#fallback = setTimeout(() => {
      this.#fallback = undefined;
      if (this.#options.ledger.stage() === 'wait') void this.#fetch();
    }, 2 * this.#costMs + 50);
  }

  stop(): void {
    clearTimeout(this.#fallback);
    clearTimeout(this.#retry);
    clearTimeout(this.#criticalLagTimer);
    clearTimeout(this.#reconcileTimer);
  }

  async #fetch(): Promise<void> {
    if (this.#fetchingList) return;
    this.#fetchingList = true;
    const { signal } = this.#options;
    const checks = allChecks(this.#options.dc);
    const startedAt = performance.now();
    let rows: CheckRow[];
    let index: number;
    try {
      const response = await readAnswer(this.#options.reader, checks, { signal, limit: this.#options.fetchLimit });
      index = requireIndex(response, checks);
      rows = parseAnswer(checks, response);
    } catch (error) {
      this.#fetchingList = false;
      if (signal.aborted) return;
      this.#options.logger.debug('fetching all checks failed; retrying, and fetching every watched service', { error: (error as Error).message });
      this.#options.requestSweep();
      this.#retry = setTimeout(() => this.fetchWhenDue(), this.#backoff.next());
      return;
    }
    this.#fetchingList = false;
    this.#backoff.reset();
    this.#costMs = performance.now() - startedAt;
    clearTimeout(this.#fallback);
    this.#fallback = undefined;
    clearTimeout(this.#reconcileTimer);
    this.#reconcileTimer = undefined;
    for (const explained of this.#explained) if (explained <= index) this.#explained.delete(explained);
    // An answer older than the rows held (from an agent failed over to, still catching up) is dropped.
    if (index >= this.#index) {
      this.#index = index;
      const before = this.#rows;
      this.#rows = rows;
      this.#options.onList(before, rows, index);
    }
    // The index may have moved again while this list was on its way.
    this.fetchWhenDue();
  }
}
