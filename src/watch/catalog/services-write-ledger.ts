// Decides whether every write to the services table has been traced to the services it touched.
//
// Check writes are found exactly, by diffing all checks. A service write that touches no check
// (an instance without checks registered, changed or removed) shows only as a move of the index of
// /v1/catalog/services, which names the newest write and nothing else. A write counts as traced
// when an index proves it was seen: a changed check's or node's ModifyIndex, or the index of a
// service's own answer (Consul's per-service index: the newest write touching that service).
// So when the services index moves to N, the caller waits until the checks have been diffed up
// to N and the services they showed fetched again; then N traced means the change was found, and
// N untraced means it was hidden and every watched service must be fetched again (a sweep).
// Indexes between the last traced one and N may be hidden writes too, or unrelated ones (KV,
// sessions, coordinates): those earn a catch-up sweep, which the caller spaces out.
// Pure: indexes in, verdicts out.

export type LedgerStage =
  /** Nothing is waiting to be traced. */
  | 'settled'
  /** The checks are known to have reached the newest services index: wait for their answer. */
  | 'wait'
  /** Unknown whether the checks reached the newest services index: ask for the check index. */
  | 'probe'
  /** The checks have been diffed past the newest services index: decide once their services are fetched. */
  | 'ready';

export type LedgerVerdict =
  | 'settled'
  /** A services write went unseen: fetch every watched service. */
  | 'sweep'
  /** Writes that might have been unseen service writes: fetch every watched service, in a while. */
  | 'catch-up';

/** Gaps wider than this are not searched write by write; they earn a catch-up sweep at once. */
const widestSearchedGap = 4096;

export class ServicesWriteLedger {
  /** Every services write up to this index is traced. */
  #traced: number | undefined;
  /** The newest services index not traced yet. */
  #pending: number | undefined;
  /** The index of the newest checks answer handled. */
  #checksIndex = 0;
  /** A probe saw the check index at least this high (its answer will come). */
  #checksReach = 0;
  /** Indexes of writes whose effect on the watched services has been seen. */
  readonly #seen = new Set<number>();

  /** An answer of /v1/catalog/services. 'reset' when the index went backwards: nothing is known any more. */
  servicesAnswered(index: number): 'ok' | 'reset' {
    if (this.#traced === undefined) {
      // The first answer: the data fetched after it holds every earlier write.
      this.#traced = index;
      return 'ok';
    }
    const newest = this.#pending ?? this.#traced;
    if (index < newest) {
      this.#reset(index);
      return 'reset';
    }
    if (index > newest) this.#pending = index;
    return 'ok';
  }

  /**
   * An answer listing all checks, with the ModifyIndex of each check that changed. Its own index
   * proves nothing: Consul moves it for writes that change no check (removing an unchecked instance).
   */
  checksAnswered(index: number, changedChecks: Iterable<number>): 'ok' | 'reset' {
    if (index < this.#checksIndex) {
      this.#reset(this.#traced);
      this.#checksIndex = index;
      return 'reset';
    }
    this.#checksIndex = index;
    this.seen(changedChecks);
    return 'ok';
  }

  /** Writes whose effect was seen: changed nodes' ModifyIndex, services' answer indexes. */
  seen(indexes: Iterable<number>): void {
    for (const index of indexes) {
      // Checks can change for a long time without a service write settling anything: forget
      // rather than grow. Forgotten indexes read as unseen, which only costs a catch-up sweep.
      if (this.#seen.size >= widestSearchedGap) this.#seen.clear();
      this.#seen.add(index);
    }
  }

  /** The answer to a 'probe': the check index now, and the services index the probe was for. */
  probeAnswered(checksIndexNow: number, probedFor: number): 'sweep' | undefined {
    if (checksIndexNow < probedFor) {
      // Read after the services write at `probedFor`: had it touched a check, the check index
      // would be at least that high.
      this.settleAll();
      return 'sweep';
    }
    this.#checksReach = Math.max(this.#checksReach, checksIndexNow);
    return undefined;
  }

  /** The newest services index not traced yet. */
  get pending(): number | undefined {
    return this.#pending;
  }

  stage(): LedgerStage {
    const newest = this.#pending;
    if (newest === undefined) return 'settled';
    if (this.#checksIndex < newest) return this.#checksReach >= newest ? 'wait' : 'probe';
    return 'ready';
  }

  /** Only at stage 'ready', once the services the checks showed have been fetched. */
  decide(): LedgerVerdict {
    const newest = this.#pending;
    if (newest === undefined) return 'settled';
    const verdict = this.#trace(this.#traced ?? newest, newest);
    this.settleAll();
    return verdict;
  }

  /**
   * A sweep is on its way: it fetches after every write seen so far, so all of them are traced.
   * `reach`: an index some other answer (the checks) has shown; the sweep covers writes up to it too.
   */
  settleAll(reach?: number): void {
    const covered = Math.max(this.#pending ?? 0, reach ?? 0);
    if (covered > 0) this.#traced = Math.max(this.#traced ?? 0, covered);
    this.#pending = undefined;
    const traced = this.#traced ?? 0;
    // Only indexes above the traced one are ever looked up again.
    for (const index of this.#seen) if (index < traced) this.#seen.delete(index);
  }

  #trace(from: number, newest: number): LedgerVerdict {
    if (!this.#seen.has(newest)) return 'sweep';
    if (newest - from > widestSearchedGap) return 'catch-up';
    for (let index = from + 1; index < newest; index += 1) {
      if (!this.#seen.has(index)) return 'catch-up';
    }
    return 'settled';
  }

  #reset(traced: number | undefined): void {
    this.#traced = traced;
    this.#pending = undefined;
    this.#checksReach = 0;
    this.#seen.clear();
  }
}
