// The tracing of service writes that touch no check (see the glossary in change-detector.ts):
// moves the ledger on, probes the check index when the ledger cannot tell, and when a write went
// unseen, finds its services in Consul's service summary, or sweeps. Writes that might have been
// unseen earn a catch-up sweep, spaced out.
import { ConsulError } from '../../consul/client.ts';
import type { ConsulResponse } from '../../consul/types.ts';
import { parseAnswer, readAnswer, requireIndex } from '../read-dependency.ts';
import { checksInState, serviceSummaries, type ServiceSummaryRow } from '../../dependency/catalog-changes.ts';
import { diffServiceSummaries } from './catalog-signals.ts';
import { unknownIndexes, type SweepPriority } from './service-fetcher.ts';
import type { DetectorParts } from './detector-parts.ts';

export interface HiddenWritesOptions extends DetectorParts {
  /** Least time between two catch-up sweeps. */
  catchUpSpacingMs: number;
  /** The detector's sweep (it settles the ledger, then calls `forget`). */
  requestSweep(reach?: number, priority?: SweepPriority): void;
  /** The ledger waits for the list of all checks: make sure it comes. */
  awaitChecks(): void;
}

export class HiddenWrites {
  readonly #options: HiddenWritesOptions;
  /** The pending services index about to be decided, and the round that must finish first. */
  #decision: { pending: number; afterRound: number } | undefined;
  #catchUpTimer: NodeJS.Timeout | undefined;
  #probing = false;
  /** Consul's service summary when last read: what the next one is diffed against. */
  #summaries: readonly ServiceSummaryRow[] | undefined;
  #summariesFetching = false;
  /** The agent has no summary endpoint: hidden writes are found by fetching everything. */
  #summariesUnavailable = false;

  constructor(options: HiddenWritesOptions) {
    this.#options = options;
  }

  /** Reads the summary a first time: the baseline the first hidden write is looked for against. */
  loadBaseline(): void {
    void this.#fetchSummaries();
  }

  /** A sweep covers every write so far: nothing waits to be decided. */
  forget(): void {
    this.#decision = undefined;
    clearTimeout(this.#catchUpTimer);
    this.#catchUpTimer = undefined;
  }

  stop(): void {
    this.forget();
  }

  /** Moves the ledger on: probe, wait, or decide once the services the checks showed are fetched. */
  trace(): void {
    const { ledger, fetcher } = this.#options;
    const stage = ledger.stage();
    if (stage === 'probe') void this.#probe();
    if (stage === 'wait') this.#options.awaitChecks();
    const pending = ledger.pending;
    if (stage !== 'ready' || pending === undefined) return;
    if (this.#decision?.pending !== pending) this.#decision = { pending, afterRound: fetcher.roundFetchingMarks };
    if (fetcher.roundsFinished < this.#decision.afterRound) return;
    this.#decision = undefined;
    switch (ledger.decide()) {
      case 'settled':
        return;
      case 'sweep':
        this.#options.logger.debug('a service changed without touching a check');
        void this.#sweepForHiddenWrite();
        return;
      case 'catch-up':
        this.#arrangeCatchUp();
        return;
    }
  }

  /** Asks for the check index alone, to learn whether the newest service write touched a check. */
  async #probe(): Promise<void> {
    const { ledger, logger, signal } = this.#options;
    const probedFor = ledger.pending;
    if (this.#probing || probedFor === undefined) return;
    this.#probing = true;
    // Any of the small check queries answers with the check index.
    const warningChecks = checksInState(this.#options.dc, 'warning');
    let sweep: boolean;
    try {
      const response = await readAnswer(this.#options.reader, warningChecks, { signal, limit: this.#options.fetchLimit });
      sweep = ledger.probeAnswered(requireIndex(response, warningChecks), probedFor) === 'sweep';
      if (sweep) logger.debug('a service changed without touching a check');
    } catch (error) {
      if (signal.aborted) return;
      // Without the probe nothing tells a hidden write from a slow answer: fetch everything.
      logger.debug('check index probe failed; fetching every watched service', { error: (error as Error).message });
      sweep = true;
    } finally {
      this.#probing = false;
    }
    if (sweep) void this.#sweepForHiddenWrite();
    else this.trace();
  }

  /**
   * A services write touched no check: an instance without checks joined, left or changed. When
   * Consul's service summary shows whose instance count or tags changed, those services are
   * fetched first and every other one in the background (the summary cannot show an instance
   * changed in place); otherwise every service is fetched at once.
   */
  async #sweepForHiddenWrite(): Promise<void> {
    const before = this.#summaries;
    if (before === undefined || this.#summariesFetching) {
      this.#options.requestSweep();
      if (before === undefined) void this.#fetchSummaries();
      return;
    }
    const after = await this.#fetchSummaries();
    if (this.#options.signal.aborted) return;
    const changed = after === undefined ? new Set<string>() : diffServiceSummaries(before, after);
    if (changed.size === 0) {
      this.#options.logger.debug('fetching every watched service');
      this.#options.requestSweep();
      return;
    }
    this.#options.logger.debug('fetching the services the summary shows first, every other one in the background', { services: changed.size });
    this.#options.fetcher.markServices(unknownIndexes(changed));
    this.#options.requestSweep(undefined, 'background');
  }

  /** Reads Consul's service summary and keeps it; undefined when it cannot be read. */
  async #fetchSummaries(): Promise<readonly ServiceSummaryRow[] | undefined> {
    if (this.#summariesUnavailable || this.#summariesFetching) return undefined;
    // Without a baseline the next hidden write is found by fetching everything, and read again.
    this.#summaries = undefined;
    this.#summariesFetching = true;
    const summaries = serviceSummaries(this.#options.dc);
    const { signal } = this.#options;
    const cannotRead = (error: unknown, forGood: boolean) => {
      this.#summariesUnavailable = forGood;
      this.#options.logger.debug('the service summary cannot be read; hidden writes are found by fetching every service', { error: (error as Error).message });
      return undefined;
    };
    let response: ConsulResponse;
    try {
      response = await readAnswer(this.#options.reader, summaries, { signal, limit: this.#options.fetchLimit });
    } catch (error) {
      if (signal.aborted) return undefined;
      // An agent without the endpoint will not grow one.
      return cannotRead(error, error instanceof ConsulError && error.status === 404);
    } finally {
      this.#summariesFetching = false;
    }
    try {
      this.#summaries = parseAnswer(summaries, response);
      return this.#summaries;
    } catch (error) {
      // An answer of another shape (another Consul version) will not change either.
      return cannotRead(error, true);
    }
  }

  #arrangeCatchUp(): void {
    const { fetcher } = this.#options;
    if (this.#catchUpTimer !== undefined || fetcher.sweepRequested) return;
    const delay = Math.max(0, fetcher.lastSweepAt + this.#options.catchUpSpacingMs - performance.now());
    this.#catchUpTimer = setTimeout(() => {
      this.#catchUpTimer = undefined;
      this.#options.logger.debug('writes between two service changes could not all be traced; fetching every watched service, changes first');
      this.#options.requestSweep(undefined, 'background');
    }, delay);
  }
}
