// Serves many service-health dependencies of one datacenter with four blocking loops instead of
// one per dependency: the warning checks and the critical checks (small answers from Consul's
// status index that wake on every check write, so the warning loop also gives the check index),
// all service names (/v1/catalog/services) and all nodes (/v1/catalog/nodes). When the check index
// moves, the list of all checks (/v1/health/state/any) is fetched, after the services the fast
// signals showed: it is by far the largest and slowest answer (see the README's Scale section for
// figures), and a blocking loop on it would make every change wait behind it. Each answer is
// diffed against the last one to find which services changed, and only their dependencies are
// fetched again (ServiceFetcher). Service writes that touch no check are traced with the
// ServicesWriteLedger; one that went unseen is looked for in Consul's service summary (instance
// counts and tags), and caught for sure by fetching every dependency again (a sweep).
import { Backoff } from '../backoff.ts';
import { BlockingQuery, type ConsulReader } from '../blocking-query.ts';
import { ConsulError } from '../../consul/client.ts';
import { catalogServices, type CatalogService } from '../../dependency/catalog-services.ts';
import type { Dependency } from '../../dependency/dependency.ts';
import type { Logger } from '../../log/logger.ts';
import {
  allChecks,
  allNodes,
  checksInState,
  diffChecks,
  diffServiceSummaries,
  diffNodes,
  diffServiceNames,
  serviceSummaries,
  servicesByNode,
  type CatalogChanges,
  type CheckRow,
  type NodeRow,
  type ServiceSummaryRow,
} from './catalog-signals.ts';
import type { ConcurrencyLimit } from '../concurrency-limit.ts';
import { ServiceFetcher, type AppliedChange, type SweepPriority } from './service-fetcher.ts';
import { ServicesWriteLedger } from './services-write-ledger.ts';

export interface ChangeDetectorOptions {
  dc: string | undefined;
  waitMs: number;
  maxStaleMs: number;
  logger: Logger;
  /** Shared by every fetch of the watcher: bounds the connections fetches add. */
  fetchLimit: ConcurrencyLimit;
  /** Least time between two catch-up sweeps (see ServicesWriteLedger). */
  catchUpSpacingMs: number;
  /** Longest delay of the list of all checks after a check write the fast signals explained. */
  checksReconcileMs: number;
  /** The dependencies whose data changed in one round, all at once. */
  onApply(changes: readonly AppliedChange[]): void;
  onError?(dependency: Dependency, error: Error): void;
  onRecover?(dependency: Dependency): void;
}

/** The loops `start` opens: warning checks (and the check index), critical checks, service names, nodes. */
export const blockingQueriesPerDetector = 4;

/** How long all checks wait for the critical checks to catch up with the check index. */
const criticalLagMs = 250;
/** Explained check writes remembered at most. */
const explainedLimit = 1_024;

export class CatalogChangeDetector {
  readonly #reader: ConsulReader;
  readonly #options: ChangeDetectorOptions;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  readonly #loops: BlockingQuery<unknown>[] = [];
  readonly #fetcher: ServiceFetcher;
  readonly #ledger = new ServicesWriteLedger();

  #checks: readonly CheckRow[] | undefined;
  /** The index of the check rows held (the answer of the last fetch of all checks). */
  #checksIndex = 0;
  /** The check index as its loop last answered: the rows held are behind while below it. */
  #checksLoopIndex = 0;
  /** How long the last fetch of all checks took: the fallback waits about twice that. */
  #checksCostMs = 0;
  #checksFallback: NodeJS.Timeout | undefined;
  /** A fetch of all checks is in flight. */
  #checksFetching = false;
  #checksRetry: NodeJS.Timeout | undefined;
  readonly #checksBackoff = new Backoff();
  /** The last answers of the warning and critical loops. */
  readonly #badChecks = new Map<'warning' | 'critical', readonly CheckRow[]>();
  /** The index of the last answer of the critical checks. */
  #criticalIndex = 0;
  /** Fetches all checks even though the critical checks have not caught up (their loop may be failing). */
  #criticalLagTimer: NodeJS.Timeout | undefined;
  /**
   * Check writes the fast signals showed: a check turning critical (its ModifyIndex) or a service
   * fetched again (its answer's index). A move of the check index to one of these needs no list
   * of all checks at once; the list still comes within checksReconcileMs, for what one answer may hide.
   */
  readonly #explained = new Set<number>();
  /** The fetch round that brings what the fast signals marked last: the list of all checks waits for it. */
  #fastRound = 0;
  #reconcileTimer: NodeJS.Timeout | undefined;
  /** Node → services with a check there, worked out from #checks when a node changes. */
  #checkNodes: Map<string, Set<string>> | undefined;
  #services: readonly CatalogService[] | undefined;
  #nodes: readonly NodeRow[] | undefined;
  #servicesBaselined = false;
  /** The fetcher runs: every loop had its starting point, and the first sweep was asked for. */
  #fetching = false;
  /** The pending services index about to be decided, and the round that must finish first. */
  #decision: { pending: number; afterRound: number } | undefined;
  #catchUpTimer: NodeJS.Timeout | undefined;
  #probing = false;
  /** Consul's service summary when last read: what the next one is diffed against. */
  #summaries: readonly ServiceSummaryRow[] | undefined;
  #summariesFetching = false;
  /** The agent has no summary endpoint: hidden writes are found by fetching everything. */
  #summariesUnavailable = false;

  constructor(reader: ConsulReader, options: ChangeDetectorOptions) {
    this.#reader = reader;
    this.#options = options;
    this.#log = options.logger.child({ detector: options.dc === undefined ? 'local datacenter' : options.dc });
    this.#fetcher = new ServiceFetcher(reader, {
      logger: this.#log,
      fetchLimit: options.fetchLimit,
      onApply: options.onApply,
      onError: options.onError,
      onRecover: options.onRecover,
      onSeen: (index) => {
        this.#ledger.seen([index]);
        this.#explain([index]);
      },
      onRoundDone: () => {
        this.#traceServiceWrites();
        this.#fetchChecksWhenIdle();
      },
    });
  }

  get size(): number {
    return this.#fetcher.size;
  }

  /** Serves `dependency` from now on; `current` is data it already has (kept until fresh data differs). */
  add(dependency: Dependency, service: string, current?: { value: unknown }): void {
    this.#fetcher.add(dependency, service, current);
  }

  remove(id: string): void {
    this.#fetcher.remove(id);
  }

  start(): void {
    const { dc } = this.#options;
    this.#loops.push(
      this.#loop(checksInState(dc, 'warning'), {
        onData: (rows, index) => {
          this.#badChecksAnswered('warning', rows);
          this.#checkIndexMoved(index);
        },
      }),
      this.#loop(catalogServices(dc), {
        onData: (services, index) => this.#servicesAnswered(services, index),
        onUnchanged: (index) => this.#servicesAnswered(undefined, index),
      }),
      this.#loop(allNodes(dc), {
        onData: (rows) => this.#nodesAnswered(rows),
      }),
      this.#loop(checksInState(dc, 'critical'), {
        onData: (rows, index) => this.#criticalAnswered(rows, index),
        onUnchanged: (index) => this.#criticalAnswered(undefined, index),
      }),
    );
    for (const loop of this.#loops) loop.start();
  }

  /** Stops the loops and any fetch in flight; nothing is applied after this. */
  stop(): void {
    this.#abort.abort();
    for (const loop of this.#loops) void loop.stop();
    this.#fetcher.stop();
    clearTimeout(this.#catchUpTimer);
    clearTimeout(this.#checksFallback);
    clearTimeout(this.#checksRetry);
    clearTimeout(this.#criticalLagTimer);
    clearTimeout(this.#reconcileTimer);
  }

  #loop<T>(
    dependency: Dependency<T>,
    handlers: { onData(data: T, index: number): void; onUnchanged?(index: number): void },
  ): BlockingQuery<unknown> {
    const { waitMs, maxStaleMs, logger, onError, onRecover } = this.#options;
    return new BlockingQuery(this.#reader, dependency, { waitMs, maxStaleMs, logger, deliverEveryIndex: true }, {
      ...handlers,
      onError: (error) => onError?.(dependency, error),
      onRecover: () => {
        onRecover?.(dependency);
        // What happened during the outage is not in any diff (the agent may even be a new one).
        this.#requestSweep();
      },
    }) as BlockingQuery<unknown>;
  }

  #checkIndexMoved(index: number): void {
    // Backwards (a new agent, a restore): start over from the next list; the ledger resets too.
    if (index < this.#checksLoopIndex) this.#checksIndex = 0;
    this.#checksLoopIndex = index;
    this.#fetchChecksWhenIdle();
  }

  /**
   * Fetches all checks if the check index has moved past the list held, once the fetch round of
   * the services the fast signals named is done: that round must not wait for it.
   */
  #fetchChecksWhenIdle(): void {
    if (this.#checksFetching || (this.#checks !== undefined && this.#checksIndex >= this.#checksLoopIndex)) return;
    // A write to the services too (an instance registered or removed): only the list can tell.
    const servicesWrite = (this.#ledger.pending ?? -1) >= this.#checksLoopIndex;
    if (this.#checks !== undefined && !servicesWrite && this.#criticalIndex < this.#checksLoopIndex) {
      // The critical checks answer on the same index, and a check that turned critical or back
      // shows there first: let them mark its service before the big list is asked for.
      this.#criticalLagTimer ??= setTimeout(() => {
        this.#criticalLagTimer = undefined;
        this.#criticalIndex = Math.max(this.#criticalIndex, this.#checksLoopIndex);
        this.#fetchChecksWhenIdle();
      }, criticalLagMs);
      return;
    }
    if (this.#fetching && this.#fetcher.rounds.finished < this.#fastRound) return; // the round's end calls again
    clearTimeout(this.#criticalLagTimer);
    this.#criticalLagTimer = undefined;
    if (this.#checks !== undefined && this.#explained.has(this.#checksLoopIndex)) {
      this.#reconcileTimer ??= setTimeout(() => {
        this.#reconcileTimer = undefined;
        void this.#fetchAllChecks();
      }, this.#options.checksReconcileMs);
      return;
    }
    void this.#fetchAllChecks();
  }

  /** The round that fetches the marks made so far: the running one, or the next if any wait. */
  #roundFetchingMarks(): number {
    const rounds = this.#fetcher.rounds;
    return rounds.started + (rounds.marksWaiting ? 1 : 0);
  }

  #explain(indexes: Iterable<number>): void {
    for (const index of indexes) {
      if (this.#explained.size >= explainedLimit) this.#explained.clear(); // forgotten: the list comes at once
      this.#explained.add(index);
    }
  }

  /** Check rows from a fetch of all checks; `undefined` rows: the same as last time. */
  #checksAnswered(rows: readonly CheckRow[] | undefined, index: number): void {
    // An answer older than the rows held (from an agent failed over to, still catching up) is dropped.
    if (index < this.#checksIndex) return;
    this.#checksIndex = index;
    let writes: Iterable<number> = [];
    if (rows !== undefined) {
      if (this.#checks !== undefined) {
        const changes = diffChecks(this.#checks, rows);
        this.#markChanges(changes);
        writes = changes.writes;
      }
      this.#checks = rows;
      this.#checkNodes = undefined;
    }
    if (this.#ledger.checksAnswered(index, writes) === 'reset') this.#requestSweep();
    this.#afterSignal();
  }

  #servicesAnswered(services: readonly CatalogService[] | undefined, index: number): void {
    if (services !== undefined) {
      if (this.#services !== undefined) this.#fetcher.markServices(unknownIndexes(diffServiceNames(this.#services, services)));
      this.#services = services;
    }
    this.#servicesBaselined = true;
    if (this.#ledger.servicesAnswered(index) === 'reset') this.#requestSweep();
    this.#afterSignal();
    this.#fetchChecksWhenIdle();
  }

  #criticalAnswered(rows: readonly CheckRow[] | undefined, index: number): void {
    this.#badChecksAnswered('critical', rows);
    this.#criticalIndex = index;
    this.#fetchChecksWhenIdle();
  }

  /** Only speeds things up: every change these rows show, the answer listing all checks shows too. */
  #badChecksAnswered(state: 'warning' | 'critical', rows: readonly CheckRow[] | undefined): void {
    if (rows === undefined) return;
    const before = this.#badChecks.get(state);
    if (before !== undefined) {
      const changes = diffChecks(before, rows);
      this.#markChanges(changes);
      this.#explain(changes.writes);
      if (changes.services.size > 0 || changes.nodes.size > 0) this.#fastRound = this.#roundFetchingMarks();
    }
    this.#badChecks.set(state, rows);
  }

  #nodesAnswered(rows: readonly NodeRow[]): void {
    let writes: Iterable<number> = [];
    if (this.#nodes !== undefined) {
      const changes = diffNodes(this.#nodes, rows);
      this.#markChanges(changes);
      writes = changes.writes;
    }
    this.#nodes = rows;
    this.#ledger.seen(writes);
    this.#afterSignal();
  }

  /** The loops that find changes must have answered once before any fetch: their diffs start there. */
  get #ready(): boolean {
    return this.#checks !== undefined && this.#servicesBaselined && this.#nodes !== undefined;
  }

  #afterSignal(): void {
    if (!this.#ready) return;
    if (!this.#fetching) {
      // Every loop has its starting point: fetch everything once, from here on diffs tell what changed.
      // That first load holds every write up to the newest index of any answer, including check
      // writes made after the last services write, which would otherwise earn a catch-up sweep.
      this.#fetching = true;
      this.#requestSweep(Math.max(this.#checksIndex, this.#checksLoopIndex, this.#criticalIndex));
      this.#fetcher.start();
      void this.#fetchSummaries(); // the baseline of the first hidden write
      return;
    }
    this.#traceServiceWrites();
  }

  /** Moves the ledger on: probe, wait, or decide once the services the checks showed are fetched. */
  #traceServiceWrites(): void {
    const stage = this.#ledger.stage();
    if (stage === 'probe') void this.#probe();
    if (stage === 'wait') this.#arrangeChecksFallback();
    const pending = this.#ledger.pending;
    if (stage !== 'ready' || pending === undefined) return;
    const rounds = this.#fetcher.rounds;
    if (this.#decision?.pending !== pending) {
      // Marks made so far are fetched by the running round, or by the next one if any wait.
      this.#decision = { pending, afterRound: this.#roundFetchingMarks() };
    }
    if (rounds.finished < this.#decision.afterRound) return;
    this.#decision = undefined;
    switch (this.#ledger.decide()) {
      case 'settled':
        return;
      case 'sweep':
        this.#log.debug('a service changed without touching a check');
        void this.#sweepForHiddenWrite();
        return;
      case 'catch-up':
        this.#arrangeCatchUp();
        return;
    }
  }

  /**
   * The check index has passed the services index, but a blocking query on the checks wakes only
   * when a check itself changes, and Consul also moves the index for writes that change none
   * (removing an instance without checks). If the warning loop, which gives the check index, has
   * not answered (and so no list of all checks followed) by the time it should have, fetch that
   * list anyway.
   */
  #arrangeChecksFallback(): void {
    if (this.#checksFallback !== undefined) return;
    this.#checksFallback = setTimeout(() => this.#checksFallbackDue(), 2 * this.#checksCostMs + 50);
  }

  /** The fallback: the answer listing all checks did not come in when it should have. */
  #checksFallbackDue(): void {
    this.#checksFallback = undefined;
    if (this.#ledger.stage() === 'wait') void this.#fetchAllChecks();
  }

  async #fetchAllChecks(): Promise<void> {
    if (this.#checksFetching) return;
    this.#checksFetching = true;
    const checks = allChecks(this.#options.dc);
    const signal = this.#abort.signal;
    const startedAt = performance.now();
    let rows: CheckRow[];
    let index: number;
    try {
      const response = await this.#options.fetchLimit.run(() => {
        signal.throwIfAborted();
        return this.#reader.get(checks.query.path, checks.query.params, { signal });
      });
      if (response.index === undefined) throw new Error(`GET ${checks.query.path}: the answer has no X-Consul-Index`);
      rows = checks.parse({ found: response.status !== 404, body: response.body }, () => {});
      index = response.index;
    } catch (error) {
      this.#checksFetching = false;
      if (signal.aborted) return;
      this.#log.debug('fetching all checks failed; retrying, and fetching every watched service', { error: (error as Error).message });
      this.#requestSweep();
      this.#checksRetry = setTimeout(() => this.#fetchChecksWhenIdle(), this.#checksBackoff.next());
      return;
    }
    this.#checksFetching = false;
    this.#checksBackoff.reset();
    this.#checksCostMs = performance.now() - startedAt;
    clearTimeout(this.#checksFallback);
    this.#checksFallback = undefined;
    clearTimeout(this.#reconcileTimer);
    this.#reconcileTimer = undefined;
    for (const explained of this.#explained) if (explained <= index) this.#explained.delete(explained);
    this.#checksAnswered(rows, index);
    // The index may have moved again while this list was on its way.
    this.#fetchChecksWhenIdle();
  }

  /** Asks for the check index alone, to learn whether the newest service write touched a check. */
  async #probe(): Promise<void> {
    const probedFor = this.#ledger.pending;
    if (this.#probing || probedFor === undefined) return;
    this.#probing = true;
    // Any of the small check queries answers with the check index.
    const { path, params } = checksInState(this.#options.dc, 'warning').query;
    let sweep: boolean;
    try {
      const signal = this.#abort.signal;
      const response = await this.#options.fetchLimit.run(() => {
        signal.throwIfAborted();
        return this.#reader.get(path, params, { signal });
      });
      if (response.index === undefined) throw new Error(`GET ${path}: the answer has no X-Consul-Index`);
      sweep = this.#ledger.probeAnswered(response.index, probedFor) === 'sweep';
      if (sweep) this.#log.debug('a service changed without touching a check');
    } catch (error) {
      if (this.#abort.signal.aborted) return;
      // Without the probe nothing tells a hidden write from a slow answer: fetch everything.
      this.#log.debug('check index probe failed; fetching every watched service', { error: (error as Error).message });
      sweep = true;
    } finally {
      this.#probing = false;
    }
    if (sweep) void this.#sweepForHiddenWrite();
    else this.#traceServiceWrites();
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
      this.#requestSweep();
      if (before === undefined) void this.#fetchSummaries();
      return;
    }
    const after = await this.#fetchSummaries();
    if (this.#abort.signal.aborted) return;
    const changed = after === undefined ? new Set<string>() : diffServiceSummaries(before, after);
    if (changed.size === 0) {
      this.#log.debug('fetching every watched service');
      this.#requestSweep();
      return;
    }
    this.#log.debug('fetching the services the summary shows first, every other one in the background', { services: changed.size });
    this.#fetcher.markServices(unknownIndexes(changed));
    this.#requestSweep(undefined, 'background');
  }

  /** Reads Consul's service summary and keeps it; undefined when it cannot be read. */
  async #fetchSummaries(): Promise<readonly ServiceSummaryRow[] | undefined> {
    if (this.#summariesUnavailable || this.#summariesFetching) return undefined;
    // Without a baseline the next hidden write is found by fetching everything, and read again.
    this.#summaries = undefined;
    this.#summariesFetching = true;
    const summaries = serviceSummaries(this.#options.dc);
    const signal = this.#abort.signal;
    const cannotRead = (error: unknown, forGood: boolean) => {
      this.#summariesUnavailable = forGood;
      this.#log.debug('the service summary cannot be read; hidden writes are found by fetching every service', { error: (error as Error).message });
      return undefined;
    };
    let response: Awaited<ReturnType<ConsulReader['get']>>;
    try {
      response = await this.#options.fetchLimit.run(() => {
        signal.throwIfAborted();
        return this.#reader.get(summaries.query.path, summaries.query.params, { signal });
      });
    } catch (error) {
      if (signal.aborted) return undefined;
      // An agent without the endpoint will not grow one.
      return cannotRead(error, error instanceof ConsulError && error.status === 404);
    } finally {
      this.#summariesFetching = false;
    }
    try {
      this.#summaries = summaries.parse({ found: response.status !== 404, body: response.body }, () => {});
      return this.#summaries;
    } catch (error) {
      // An answer of another shape (another Consul version) will not change either.
      return cannotRead(error, true);
    }
  }

  #arrangeCatchUp(): void {
    if (this.#catchUpTimer !== undefined || this.#fetcher.sweepRequested) return;
    const delay = Math.max(0, this.#fetcher.lastSweepAt + this.#options.catchUpSpacingMs - performance.now());
    this.#catchUpTimer = setTimeout(() => {
      this.#catchUpTimer = undefined;
      this.#log.debug('writes between two service changes could not all be traced; fetching every watched service, changes first');
      this.#requestSweep(undefined, 'background');
    }, delay);
  }

  /** Every watched service fetched again: it covers every write so far, traced or not, up to `reach`. */
  #requestSweep(reach?: number, priority: SweepPriority = 'now'): void {
    this.#ledger.settleAll(reach);
    this.#decision = undefined;
    clearTimeout(this.#catchUpTimer);
    this.#catchUpTimer = undefined;
    this.#fetcher.requestSweep(priority);
  }

  #markChanges(changes: CatalogChanges): void {
    this.#fetcher.markServices(changes.services);
    if (changes.nodes.size === 0) return;
    const services = new Set<string>();
    this.#checkNodes ??= servicesByNode(this.#checks ?? []);
    for (const node of changes.nodes) for (const service of this.#checkNodes.get(node) ?? []) services.add(service);
    this.#fetcher.markServices(unknownIndexes(services));
    this.#fetcher.markNodes(changes.nodes);
  }
}

function unknownIndexes(services: Iterable<string>): Map<string, undefined> {
  return new Map([...services].map((service) => [service, undefined]));
}
