// The fetching half of a CatalogChangeDetector: the service dependencies it serves, which of them
// may have changed (marked), and the rounds that fetch those again with plain non-blocking reads
// through the shared concurrency limit. A round's results are handed on together, only those
// whose data differs, so a render never sees half of a change that touched several services.
import { createRequire } from 'node:module';
import { Backoff } from '../backoff.ts';
import type { ConsulReader } from '../blocking-query.ts';
import type { Dependency } from '../../dependency/dependency.ts';
import type { Logger } from '../../log/logger.ts';
import { nodesInAnswer } from './catalog-signals.ts';
import type { ConcurrencyLimit } from '../concurrency-limit.ts';
import { parseAnswer, readAnswer, requireLeader } from '../read-dependency.ts';

export interface AppliedChange {
  dependency: Dependency;
  value: unknown;
}

export interface ServiceFetcherOptions {
  logger: Logger;
  /** Shared by every fetch of the watcher: bounds the connections fetches add. */
  fetchLimit: ConcurrencyLimit;
  /** The dependencies whose data changed in one round, all at once. */
  onApply(changes: readonly AppliedChange[]): void;
  onError?(dependency: Dependency, error: Error): void;
  onRecover?(dependency: Dependency): void;
  /** The index of an answer listing instances: Consul's per-service index, a write now seen. */
  onSeen(index: number): void;
  /** After each round's results are handed on. */
  onRoundDone(): void;
}

/** Members a sweep fetches per round once the first load is done. */
const sweepChunk = 32;
/**
 * Members a background sweep fetches per round: one wave of the usual fetch limit, and only one
 * in a round with marked members, so a change waits for little more than its own fetch while the
 * sweep still moves on under a steady stream of changes.
 */
const backgroundChunk = 8;
const backgroundChunkWithChanges = 1;

/** `now`: a change went unseen. `background`: one might have (a catch-up), so changes go first. */
export type SweepPriority = 'now' | 'background';

interface Member {
  dependency: Dependency;
  service: string;
  /** A digest of the data last handed on, to tell a changed answer from an unchanged one. */
  digest: string | undefined;
  /** Nodes its last answer listed: a change to one of them may change this dependency. */
  nodes: Set<string>;
  /** X-Consul-Index of its last answer: a write at or below it is already in its data. */
  fetchedIndex: number | undefined;
  failing: boolean;
  readonly warned: Set<string>;
}

type FetchResult =
  | { member: Member; value: unknown; nodes: Set<string>; index: number | undefined; listedInstances: boolean }
  | { member: Member; error: Error };

export class ServiceFetcher {
  readonly #reader: ConsulReader;
  readonly #options: ServiceFetcherOptions;
  readonly #abort = new AbortController();
  readonly #backoff = new Backoff();
  readonly #members = new Map<string, Member>();
  /** Service name → ids of the members asking for it. */
  readonly #byService = new Map<string, Set<string>>();
  /** Members to fetch in the next round. */
  readonly #marked = new Set<string>();
  /** The next round starts fetching every member. */
  #sweepRequested: SweepPriority | undefined;
  /** Members the sweep under way has still to fetch, a chunk a round after the first load. */
  #sweepQueue: string[] = [];
  #sweepInBackground = false;
  #lastSweepAt = -Infinity;
  /** Rounds may run (the detector's signals all have their starting point). */
  #started = false;
  /** The first round (everything, at once) is done. */
  #loaded = false;
  #roundRunning = false;
  #roundArranged = false;
  #roundsStarted = 0;
  #roundsFinished = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #failedRounds = 0;

  constructor(reader: ConsulReader, options: ServiceFetcherOptions) {
    this.#reader = reader;
    this.#options = options;
  }

  get size(): number {
    return this.#members.size;
  }

  get roundsFinished(): number {
    return this.#roundsFinished;
  }

  /** The round that fetches the marks made so far: the running one, or the next if any wait. */
  get roundFetchingMarks(): number {
    return this.#roundsStarted + (this.#marked.size > 0 ? 1 : 0);
  }

  get lastSweepAt(): number {
    return this.#lastSweepAt;
  }

  get sweepRequested(): boolean {
    return this.#sweepRequested !== undefined;
  }

  /** Serves `dependency` from now on; `current` is data it already has (kept until fresh data differs). */
  add(dependency: Dependency, service: string, current?: { value: unknown }): void {
    const member: Member = {
      dependency,
      service,
      digest: current === undefined ? undefined : digestOf(current.value),
      nodes: new Set(),
      fetchedIndex: undefined,
      failing: false,
      warned: new Set(),
    };
    this.#members.set(dependency.id, member);
    let ids = this.#byService.get(service);
    if (ids === undefined) this.#byService.set(service, (ids = new Set()));
    ids.add(dependency.id);
    this.#marked.add(dependency.id);
    this.#arrangeRound();
  }

  remove(id: string): void {
    const member = this.#members.get(id);
    if (member === undefined) return;
    this.#members.delete(id);
    this.#marked.delete(id);
    const ids = this.#byService.get(member.service);
    ids?.delete(id);
    if (ids?.size === 0) this.#byService.delete(member.service);
  }

  /**
   * Marks the members asking for these services. With the index of a service's newest change, a
   * member whose last answer is at least that new already has it.
   */
  markServices(services: ReadonlyMap<string, number | undefined>): void {
    for (const [service, index] of services) {
      for (const id of this.#byService.get(service) ?? []) {
        const fetched = this.#members.get(id)?.fetchedIndex;
        if (index !== undefined && fetched !== undefined && fetched >= index) continue;
        this.#marked.add(id);
      }
    }
    this.#arrangeRound();
  }

  /** Marks the members whose last answer listed one of these nodes (instances without checks too). */
  markNodes(nodes: ReadonlySet<string>): void {
    if (nodes.size === 0) return;
    for (const [id, member] of this.#members) {
      for (const node of nodes) if (member.nodes.has(node)) this.#marked.add(id);
    }
    this.#arrangeRound();
  }

  /**
   * Fetches every member again, a chunk a round (everything at once the first time). The sweep
   * starts over; it stays `now` if one asked for now is waiting or under way.
   */
  requestSweep(priority: SweepPriority = 'now'): void {
    const nowUnderWay = this.#sweepQueue.length > 0 && !this.#sweepInBackground;
    this.#sweepRequested = priority === 'now' || this.#sweepRequested === 'now' || nowUnderWay ? 'now' : 'background';
    this.#arrangeRound();
  }

  /** Lets rounds run. */
  start(): void {
    this.#started = true;
    this.#arrangeRound();
  }

  /** Aborts fetches in flight; nothing is handed on after this. */
  stop(): void {
    this.#abort.abort();
    clearTimeout(this.#retryTimer);
    this.#members.clear();
    this.#byService.clear();
    this.#marked.clear();
  }

  #arrangeRound(): void {
    if (!this.#started || this.#roundRunning || this.#roundArranged || this.#retryTimer !== undefined) return;
    if (!this.#sweepRequested && this.#sweepQueue.length === 0 && this.#marked.size === 0) return;
    this.#roundArranged = true;
    // After the current I/O: answers that arrived together are fetched in one round.
    setImmediate(() => {
      this.#roundArranged = false;
      void this.#round();
    });
  }

  /**
   * Fetches the members marked since the last round, plus the next chunk of a sweep: a sweep of
   * thousands of services goes a chunk at a time, so a change meanwhile waits for one chunk, not
   * for the whole sweep. Only the first load goes in one round: a template renders once it is
   * complete, so a load in chunks would only cost renders.
   */
  async #round(): Promise<void> {
    if (this.#abort.signal.aborted) return;
    const ids = new Set(this.#marked);
    this.#marked.clear();
    if (this.#sweepRequested !== undefined) {
      this.#sweepInBackground = this.#sweepRequested === 'background';
      this.#sweepRequested = undefined;
      this.#sweepQueue = [...this.#members.keys()];
      this.#lastSweepAt = performance.now();
    }
    const sweep = this.#sweepQueue.length > 0;
    const chunk = !this.#loaded ? Infinity : !this.#sweepInBackground ? sweepChunk : ids.size > 0 ? backgroundChunkWithChanges : backgroundChunk;
    for (const id of this.#sweepQueue.splice(0, chunk)) ids.add(id);
    const members = [...ids].map((id) => this.#members.get(id)).filter((member) => member !== undefined);
    this.#roundsStarted += 1;
    this.#roundRunning = true;
    const results = await Promise.all(members.map((member) => this.#fetch(member)));
    this.#roundRunning = false;
    this.#roundsFinished += 1;
    if (this.#abort.signal.aborted) return;
    this.#apply(results, sweep);
  }

  #apply(results: FetchResult[], sweep: boolean): void {
    const changes: AppliedChange[] = [];
    const failures: Extract<FetchResult, { error: Error }>[] = [];
    for (const result of results) {
      const { member } = result;
      // Removed (or removed and added again) while the round ran: its answer is not wanted.
      if (this.#members.get(member.dependency.id) !== member) continue;
      if ('error' in result) {
        failures.push(result);
        continue;
      }
      member.nodes = result.nodes;
      member.fetchedIndex = result.index;
      // Only a service that exists answers with its own index (otherwise Consul may send a
      // catalog-wide one, which would claim writes to other services as seen).
      if (result.index !== undefined && result.listedInstances) this.#options.onSeen(result.index);
      if (member.failing) {
        member.failing = false;
        this.#options.onRecover?.(member.dependency);
      }
      const digest = digestOf(result.value);
      if (digest === member.digest) continue;
      member.digest = digest;
      changes.push({ dependency: member.dependency, value: result.value });
    }
    if (changes.length > 0) this.#options.onApply(changes);
    this.#loaded = true;
    this.#options.logger.trace('round done', { fetched: results.length, changed: changes.length, failed: failures.length, sweep });
    if (failures.length > 0) this.#retryLater(failures);
    else this.#recovered();
    this.#options.onRoundDone();
    this.#arrangeRound();
  }

  #retryLater(failures: Extract<FetchResult, { error: Error }>[]): void {
    this.#failedRounds += 1;
    const first = failures[0]!.error.message;
    const log = this.#options.logger;
    if (this.#failedRounds === 1) log.warn('fetching services failed; retrying', { failed: failures.length, error: first });
    else log.debug('fetching services failed again', { failed: failures.length, error: first, failedRounds: this.#failedRounds });
    for (const { member, error } of failures) {
      member.failing = true;
      this.#marked.add(member.dependency.id);
      this.#options.onError?.(member.dependency, error);
    }
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#arrangeRound();
    }, this.#backoff.next());
  }

  #recovered(): void {
    if (this.#failedRounds === 0) return;
    this.#options.logger.info('fetching services recovered', { failedRounds: this.#failedRounds });
    this.#failedRounds = 0;
    this.#backoff.reset();
  }

  /** One non-blocking read of the dependency's own query, from the leader (see the note below). */
  #fetch(member: Member): Promise<FetchResult> {
    const { dependency } = member;
    const read = async (): Promise<FetchResult> => {
      // Not a stale read: the detector saw this change, and a server lagging behind it could
      // answer with data from before it, which no later signal would correct.
      const response = await readAnswer(this.#reader, dependency, { signal: this.#abort.signal, limit: this.#options.fetchLimit });
      requireLeader(response, dependency);
      const value = parseAnswer(dependency, response, (message) => {
        if (member.warned.has(message)) return;
        member.warned.add(message);
        this.#options.logger.warn(message, { dependency: dependency.id });
      });
      const nodes = nodesInAnswer(response.body);
      return { member, value, nodes, index: response.index, listedInstances: nodes.size > 0 };
    };
    return read().catch((error: unknown) => ({ member, error: error instanceof Error ? error : new Error(String(error)) }));
  }
}

// Loaded with the first digest: node:crypto is a few milliseconds of every start, and only the
// change detector needs it.
let crypto: typeof import('node:crypto') | undefined;

/** Thousands of members each keep one: a digest of the JSON costs far less memory than the JSON. */
function digestOf(value: unknown): string {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto.createHash('sha256').update(JSON.stringify(value)).digest('base64');
}

/** Services to mark, none with the index of its newest change. */
export function unknownIndexes(services: Iterable<string>): Map<string, undefined> {
  return new Map([...services].map((service) => [service, undefined]));
}
