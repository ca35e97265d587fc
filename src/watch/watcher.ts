// The watcher keeps the latest data of every dependency templates need. Templates tell it which
// dependencies they need (`retain`); identical queries from several templates share one watch,
// and a watch nobody needs any more is stopped and its data dropped.
//
// Up to a budget of blocking queries, each dependency has its own blocking loop (whose reads that
// Consul answers at once share the `maxFetches` connections below with the detector's). A template over
// the whole catalog needs one per service, and an agent limits connections per client (200 by
// default), so beyond the budget the service-health dependencies are served by one
// CatalogChangeDetector per datacenter instead: four blocking loops, plus non-blocking fetches
// of only the services that changed, at most `maxFetches` at once.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Dependency } from '../dependency/dependency.ts';
import { BlockingQuery, type ConsulReader } from './blocking-query.ts';
import type { Logger } from '../log/logger.ts';
import { blockingQueriesPerDetector, CatalogChangeDetector } from './catalog/change-detector.ts';
import type { AppliedChange } from './catalog/service-fetcher.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { pooledServiceOf, type PooledService } from './catalog/pooled-service.ts';

export interface WatcherOptions {
  waitMs: number;
  maxStaleMs: number;
  logger: Logger;
  /** Every failed request of any watch (for health and metrics). */
  onError?: (dependency: Dependency, error: Error) => void;
  onRecover?: (dependency: Dependency) => void;
  /**
   * Most blocking queries to hold open. When one per dependency would be more, service-health
   * dependencies share catalog-wide change detection (4 per datacenter).
   */
  maxBlockingQueries: number;
  /** Most non-blocking fetches in flight at once (default 8). */
  maxFetches?: number;
  /** Least time between two catch-up fetches of every detected service (default 30 s). */
  catchUpSpacingMs?: number;
  /** Longest delay of the list of all checks after a check write the fast signals explained (default 1 s). */
  checksReconcileMs?: number;
  /** Awaited before each blocking read of a dependency's own loop (not the detector's). */
  holdBlocking?: (signal: AbortSignal) => Promise<void>;
}

/** Longest a loop's first blocking read waits for the first reads of the others. */
const firstReadsHoldMs = 1_000;

const defaultMaxFetches = 8;

/** The connections a watcher with these options holds at most: the client's `maxConnections`. */
export function connectionsNeeded(options: Pick<WatcherOptions, 'maxBlockingQueries' | 'maxFetches'>): number {
  return options.maxBlockingQueries + (options.maxFetches ?? defaultMaxFetches);
}
const defaultCatchUpSpacingMs = 30_000;
const defaultChecksReconcileMs = 1_000;

interface Watch {
  dependency: Dependency;
  data?: { value: unknown };
  /** Set when the change detector can serve it. */
  pooled: PooledService | undefined;
  /** Its own blocking loop, when it has one. */
  query?: BlockingQuery<unknown>;
  /** The detector serving it, when one does. */
  detector?: CatalogChangeDetector;
}

export type ChangeListener = (dependency: Dependency) => void;

export class Watcher {
  readonly #client: ConsulReader;
  readonly #options: WatcherOptions;
  readonly #maxBlockingQueries: number;
  readonly #fetchLimit: ConcurrencyLimit;
  readonly #watches = new Map<string, Watch>();
  /** Which dependency ids each owner (a template) needs; a watch lives while any owner needs it. */
  readonly #needs = new Map<string, Set<string>>();
  readonly #listeners = new Set<ChangeListener>();
  /** One per datacenter ("" is the agent's own), while service dependencies are pooled. */
  readonly #detectors = new Map<string, CatalogChangeDetector>();
  #pooling = false;
  #overBudget = false;

  constructor(client: ConsulReader, options: WatcherOptions) {
    this.#client = client;
    this.#options = options;
    this.#maxBlockingQueries = options.maxBlockingQueries;
    if (!Number.isInteger(this.#maxBlockingQueries) || this.#maxBlockingQueries < 1) {
      throw new Error(`invalid blocking query budget ${this.#maxBlockingQueries}: expected a whole number ≥ 1`);
    }
    this.#fetchLimit = new ConcurrencyLimit(options.maxFetches ?? defaultMaxFetches);
  }

  /** The latest data of a dependency, or undefined while it has none yet. */
  get(dependency: Dependency): { value: unknown } | undefined {
    return this.#watches.get(dependency.id)?.data;
  }

  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Declares everything `owner` needs now; starts what is new, stops what nobody needs. */
  retain(owner: string, dependencies: Iterable<Dependency>): void {
    const ids = new Set<string>();
    for (const dependency of dependencies) {
      ids.add(dependency.id);
      if (!this.#watches.has(dependency.id)) {
        this.#watches.set(dependency.id, { dependency, pooled: pooledServiceOf(dependency) });
      }
    }
    this.#needs.set(owner, ids);
    this.#reconcile();
  }

  /** Forgets an owner altogether (a template removed). */
  release(owner: string): void {
    this.#needs.delete(owner);
    this.#reconcile();
  }

  /** How many distinct dependencies are watched. */
  get size(): number {
    return this.#watches.size;
  }

  stop(): void {
    for (const watch of this.#watches.values()) void watch.query?.stop();
    for (const detector of this.#detectors.values()) detector.stop();
    this.#detectors.clear();
    this.#watches.clear();
    this.#needs.clear();
    this.#pooling = false;
  }

  /** Stops what nobody needs, picks how service dependencies are served, and starts what is missing. */
  #reconcile(): void {
    const needed = new Set<string>();
    for (const ids of this.#needs.values()) for (const id of ids) needed.add(id);
    for (const [id, watch] of this.#watches) {
      if (needed.has(id)) continue;
      this.#detach(watch);
      this.#watches.delete(id);
      this.#options.logger.debug('stopped watching', { dependency: id });
    }

    const pooling = this.#wantsPooling();
    if (pooling !== this.#pooling) {
      this.#pooling = pooling;
      this.#options.logger.info(
        pooling ? 'many services watched: detecting catalog-wide changes instead of one blocking query each' : 'few services watched: one blocking query each again',
        { watched: this.#watches.size, maxBlockingQueries: this.#maxBlockingQueries },
      );
      // Loops stop before detectors start (and the other way round), so the budget holds throughout.
      for (const watch of this.#watches.values()) if (watch.pooled !== undefined) this.#detach(watch);
    }
    for (const [dc, detector] of this.#detectors) {
      if (detector.size > 0) continue;
      detector.stop();
      this.#detectors.delete(dc);
    }
    for (const watch of this.#watches.values()) {
      if (watch.query !== undefined || watch.detector !== undefined) continue;
      if (this.#pooling && watch.pooled !== undefined) this.#pool(watch, watch.pooled);
      else this.#startQuery(watch);
    }
    this.#warnOverBudget();
  }

  /** Only service-health queries can share detection: others beyond the budget each need a loop. */
  #warnOverBudget(): void {
    let loops = this.#detectors.size * blockingQueriesPerDetector;
    for (const watch of this.#watches.values()) if (watch.query !== undefined) loops += 1;
    const over = loops > this.#maxBlockingQueries;
    if (over && !this.#overBudget) {
      this.#options.logger.warn('more blocking queries than the budget: only service queries can share catalog-wide detection', {
        blockingQueries: loops,
        maxBlockingQueries: this.#maxBlockingQueries,
      });
    }
    this.#overBudget = over;
  }

  #wantsPooling(): boolean {
    let pooled = 0;
    for (const watch of this.#watches.values()) if (watch.pooled !== undefined) pooled += 1;
    return pooled > 0 && this.#watches.size > this.#maxBlockingQueries;
  }

  /** Stops whatever serves this watch; its data stays until something replaces it. */
  #detach(watch: Watch): void {
    void watch.query?.stop();
    watch.detector?.remove(watch.dependency.id);
    watch.query = undefined;
    watch.detector = undefined;
  }

  #pool(watch: Watch, pooled: PooledService): void {
    const key = pooled.dc ?? '';
    let detector = this.#detectors.get(key);
    if (detector === undefined) {
      const { waitMs, maxStaleMs, logger, onError, onRecover, catchUpSpacingMs, checksReconcileMs } = this.#options;
      const created = new CatalogChangeDetector(this.#client, {
        dc: pooled.dc,
        waitMs,
        maxStaleMs,
        logger,
        fetchLimit: this.#fetchLimit,
        catchUpSpacingMs: catchUpSpacingMs ?? defaultCatchUpSpacingMs,
        checksReconcileMs: checksReconcileMs ?? defaultChecksReconcileMs,
        onApply: (changes) => this.#applyRound(created, changes),
        onError,
        onRecover,
      });
      this.#detectors.set(key, (detector = created));
      created.start();
    }
    watch.detector = detector;
    detector.add(watch.dependency, pooled.name, watch.data);
  }

  /** A detector's round: every change is stored before any listener hears of one. */
  #applyRound(detector: CatalogChangeDetector, changes: readonly AppliedChange[]): void {
    const applied: Dependency[] = [];
    for (const { dependency, value } of changes) {
      const watch = this.#watches.get(dependency.id);
      if (watch?.detector !== detector) continue;
      watch.data = { value };
      applied.push(dependency);
    }
    for (const dependency of applied) this.#notify(dependency);
  }

  #startQuery(watch: Watch): void {
    const { waitMs, maxStaleMs, logger, onError, onRecover, holdBlocking } = this.#options;
    const { dependency } = watch;
    let firstBlockingRead = true;
    const hold = async (signal: AbortSignal) => {
      await holdBlocking?.(signal);
      if (!firstBlockingRead) return;
      firstBlockingRead = false;
      await firstReadsDone(this.#fetchLimit, signal);
    };
    // Data kept from a detector: the loop's first answer is news only when it differs.
    let kept = watch.data === undefined ? undefined : JSON.stringify(watch.data.value);
    const query: BlockingQuery<unknown> = new BlockingQuery(
      this.#client,
      dependency,
      { waitMs, maxStaleMs, logger, holdBlocking: hold, fetchLimit: this.#fetchLimit },
      {
        onData: (value) => {
          if (watch.query !== query) return;
          const unchanged = kept !== undefined && kept === JSON.stringify(value);
          kept = undefined;
          if (unchanged) return;
          watch.data = { value };
          this.#notify(dependency);
        },
        onError: (error) => onError?.(dependency, error),
        onRecover: () => onRecover?.(dependency),
      },
    );
    watch.query = query;
    logger.debug('watching', { dependency: dependency.id });
    query.start();
  }

  #notify(dependency: Dependency): void {
    for (const listener of this.#listeners) listener(dependency);
  }
}

/**
 * A loop's first blocking read waits until no read that Consul answers at once is in flight (at
 * most firstReadsHoldMs), then for a timer's turn of the event loop. At start, every dependency's
 * first answer so comes before a hundred long-polls open their connections, and the render those
 * answers cause (itself an immediate) runs before them. A change meanwhile is not missed: the
 * blocking read asks from the first answer's index.
 */
async function firstReadsDone(fetches: ConcurrencyLimit, signal: AbortSignal): Promise<void> {
  await fetches.whenIdle(AbortSignal.any([signal, AbortSignal.timeout(firstReadsHoldMs)]));
  await sleep(0, undefined, { signal }).catch(() => undefined);
}
