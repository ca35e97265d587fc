// The over-budget mode of the watcher: many service-health dependencies of one datacenter
// served by four catalog-wide blocking loops instead of one loop each. This file holds the loops
// and what their answers say; the files beside it do the rest:
//   catalog-signals.ts        the diffs of two answers of the catalog-wide queries, which are
//                             Dependencies like any other (dependency/catalog-changes.ts)
//   service-fetcher.ts        the members, their marks, and the rounds that fetch them again
//   services-write-ledger.ts  whether every write to the services table has been traced (pure)
//   checks-list.ts            when the list of all checks is fetched
//   detector-parts.ts         what the parts below share
//   hidden-writes.ts          probing, the service summary and catch-up sweeps, driven by the ledger
//
// Glossary (the words these files use):
//   fast signals   the small loops that wake on every check write: the warning checks (which
//                  also give the check index) and the critical checks; plus all service names
//                  and all nodes. Their diffs mark services long before the list of all checks.
//   list of all checks  /v1/health/state/any: the exact record of every check write, by far the
//                  largest and slowest answer (figures in the README's Scale section); fetched
//                  when the check index moves, never in a blocking loop of its own, and after the
//                  round that fetches what the fast signals marked.
//   member         one service dependency the detector serves.
//   mark           a member to fetch again in the next round (its service or node changed).
//   round          one batch of non-blocking fetches of marked members (and a chunk of a sweep);
//                  its results are handed on together.
//   sweep          every member fetched again: after an outage, or when a write went unseen.
//                  A background sweep lets marked members go first.
//   explained      a check write the fast signals already showed: the list of all checks for
//                  it may wait (up to checksReconcileMs) instead of coming at once.
//   hidden write   a write to the services table that touches no check (an instance without
//                  checks registered, changed or removed): only the index of the service names
//                  moves, and the ledger tells whether anything seen accounts for it.
//   traced         a write whose index some answer proved seen (a check's or node's
//                  ModifyIndex, a service's own answer index).
//   probe          one read of the check index alone, when the ledger cannot tell whether the
//                  checks reached the newest services write.
//   service summary  /v1/internal/ui/services, instance counts and tags of every service: its
//                  diff names the services a hidden write touched.
//   catch-up       a background sweep for writes that may have been hidden but need not have
//                  been (KV, sessions and coordinates move the index too), spaced catchUpSpacingMs.
//   fallback       the list of all checks fetched when the ledger waits for it and the warning
//                  loop did not wake (a write that moved the index but changed no check).
import { BlockingQuery, type ConsulReader } from '../blocking-query.ts';
import { catalogServices, type CatalogService } from '../../dependency/catalog-services.ts';
import type { Dependency } from '../../dependency/dependency.ts';
import type { Logger } from '../../log/logger.ts';
import { allNodes, checksInState, type CheckRow, type NodeRow } from '../../dependency/catalog-changes.ts';
import { diffChecks, diffNodes, diffServiceNames, servicesByNode, type CatalogChanges } from './catalog-signals.ts';
import type { ConcurrencyLimit } from '../concurrency-limit.ts';
import { ServiceFetcher, unknownIndexes, type AppliedChange, type SweepPriority } from './service-fetcher.ts';
import { ServicesWriteLedger } from './services-write-ledger.ts';
import { HiddenWrites } from './hidden-writes.ts';
import { ChecksList } from './checks-list.ts';

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

export class CatalogChangeDetector {
  readonly #reader: ConsulReader;
  readonly #options: ChangeDetectorOptions;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  readonly #loops: BlockingQuery<unknown>[] = [];
  readonly #fetcher: ServiceFetcher;
  readonly #ledger = new ServicesWriteLedger();
  readonly #checks: ChecksList;
  readonly #hidden: HiddenWrites;

  /** The last answers of the warning and critical loops. */
  readonly #badChecks = new Map<'warning' | 'critical', readonly CheckRow[]>();
  /** Node → services with a check there, worked out from the list of all checks when a node changes. */
  #checkNodes: Map<string, Set<string>> | undefined;
  #services: readonly CatalogService[] | undefined;
  #nodes: readonly NodeRow[] | undefined;
  #servicesBaselined = false;
  /** The fetcher runs: every loop had its starting point, and the first sweep was asked for. */
  #fetching = false;

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
        this.#checks.explain([index]);
      },
      onRoundDone: () => {
        this.#hidden.trace();
        this.#checks.fetchWhenDue();
      },
    });
    const shared = { reader, dc: options.dc, fetchLimit: options.fetchLimit, logger: this.#log, signal: this.#abort.signal, ledger: this.#ledger, fetcher: this.#fetcher };
    this.#checks = new ChecksList({
      ...shared,
      checksReconcileMs: options.checksReconcileMs,
      fetching: () => this.#fetching,
      requestSweep: () => this.#requestSweep(),
      onList: (before, rows, index) => this.#checksAnswered(before, rows, index),
    });
    this.#hidden = new HiddenWrites({
      ...shared,
      catchUpSpacingMs: options.catchUpSpacingMs,
      requestSweep: (reach, priority) => this.#requestSweep(reach, priority),
      awaitChecks: () => this.#checks.arrangeFallback(),
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
          this.#checks.checkIndexMoved(index);
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
    this.#hidden.stop();
    this.#checks.stop();
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

  /** A newer list of all checks; `before` is the list it replaces. */
  #checksAnswered(before: readonly CheckRow[] | undefined, rows: readonly CheckRow[], index: number): void {
    let writes: Iterable<number> = [];
    if (before !== undefined) {
      const changes = diffChecks(before, rows);
      this.#markChanges(changes, before);
      writes = changes.writes;
    }
    this.#checkNodes = undefined;
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
    this.#checks.fetchWhenDue();
  }

  #criticalAnswered(rows: readonly CheckRow[] | undefined, index: number): void {
    this.#badChecksAnswered('critical', rows);
    this.#checks.criticalAnswered(index);
  }

  /** Only speeds things up: every change these rows show, the answer listing all checks shows too. */
  #badChecksAnswered(state: 'warning' | 'critical', rows: readonly CheckRow[] | undefined): void {
    if (rows === undefined) return;
    const before = this.#badChecks.get(state);
    if (before !== undefined) {
      const changes = diffChecks(before, rows);
      this.#markChanges(changes, this.#checks.rows);
      this.#checks.explain(changes.writes);
      if (changes.services.size > 0 || changes.nodes.size > 0) this.#checks.waitForRound(this.#fetcher.roundFetchingMarks);
    }
    this.#badChecks.set(state, rows);
  }

  #nodesAnswered(rows: readonly NodeRow[]): void {
    let writes: Iterable<number> = [];
    if (this.#nodes !== undefined) {
      const changes = diffNodes(this.#nodes, rows);
      this.#markChanges(changes, this.#checks.rows);
      writes = changes.writes;
    }
    this.#nodes = rows;
    this.#ledger.seen(writes);
    this.#afterSignal();
  }

  /** The loops that find changes must have answered once before any fetch: their diffs start there. */
  get #ready(): boolean {
    return this.#checks.rows !== undefined && this.#servicesBaselined && this.#nodes !== undefined;
  }

  #afterSignal(): void {
    if (!this.#ready) return;
    if (!this.#fetching) {
      // Every loop has its starting point: fetch everything once, from here on diffs tell what changed.
      // That first load holds every write up to the newest index of any answer, including check
      // writes made after the last services write, which would otherwise earn a catch-up sweep.
      this.#fetching = true;
      this.#requestSweep(this.#checks.reach);
      this.#fetcher.start();
      this.#hidden.loadBaseline();
      return;
    }
    this.#hidden.trace();
  }

  /** Every watched service fetched again: it covers every write so far, traced or not, up to `reach`. */
  #requestSweep(reach?: number, priority: SweepPriority = 'now'): void {
    this.#ledger.settleAll(reach);
    this.#hidden.forget();
    this.#fetcher.requestSweep(priority);
  }

  /** Marks what changed; a changed node marks the services with a check on it in `checks`. */
  #markChanges(changes: CatalogChanges, checks: readonly CheckRow[] | undefined): void {
    this.#fetcher.markServices(changes.services);
    if (changes.nodes.size === 0) return;
    const services = new Set<string>();
    this.#checkNodes ??= servicesByNode(checks ?? []);
    for (const node of changes.nodes) for (const service of this.#checkNodes.get(node) ?? []) services.add(service);
    this.#fetcher.markServices(unknownIndexes(services));
    this.#fetcher.markNodes(changes.nodes);
  }
}
