// The whole life of one blocking-query loop for one dependency: the index rules from Consul's
// "Blocking Queries" docs, stale reads with a consistent fallback, leader checks, rate limiting,
// retry with backoff, de-duplication of unchanged data, and the logging of failure streaks.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dependency } from '../dependency/dependency.ts';
import type { Logger } from '../log/logger.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import type { ConsulClient } from '../consul/client.ts';
import { RateLimiter } from './rate-limit.ts';
import type { ConsulResponse } from '../consul/types.ts';
import { parseAnswer, readAnswer, requireIndex, requireLeader } from './read-dependency.ts';
import type { ConcurrencyLimit } from './concurrency-limit.ts';

export interface BlockingQueryOptions {
  /** Longest time Consul may hold one request. */
  waitMs: number;
  /** A stale read older than this (X-Consul-LastContact) is repeated as a leader read. */
  maxStaleMs: number;
  logger: Logger;
  /** Least time between two requests of this loop. Default 50 ms (about 20 requests/s at most). */
  minSpacingMs?: number;
  /** Retry timing after a failure (defaults: from 50 ms up to 1 s). */
  backoff?: BackoffOptions;
  /**
   * Deliver every answer whose index moved, without comparing it to the last one: for callers
   * that diff answers themselves, where serialising a catalog-wide answer to compare it would
   * only cost time. Default false.
   */
  deliverEveryIndex?: boolean;
  /** Awaited before each blocking read (one at a known index). */
  holdBlocking?: (signal: AbortSignal) => Promise<void>;
  /**
   * The reads Consul answers at once (the first, a leader's, a poll's) take a turn of this limit:
   * a blocking read needs a connection of its own for as long as it waits, they do not.
   */
  fetchLimit?: ConcurrencyLimit;
}

export interface BlockingQueryHandlers<T> {
  /** New data: called only when the parsed data differs from what was last delivered. */
  onData(data: T, index: number): void;
  /** An answer whose data equals what was last delivered; its index may still have moved. */
  onUnchanged?(index: number): void;
  /** Each failed round (the loop itself logs it and retries). */
  onError?(error: Error): void;
  /** The first success after one or more failures. */
  onRecover?(): void;
}

/** All the loop needs of the client. */
export type ConsulReader = Pick<ConsulClient, 'get'>;

export class BlockingQuery<T> {
  readonly #client: ConsulReader;
  readonly #dependency: Dependency<T>;
  readonly #handlers: BlockingQueryHandlers<T>;
  readonly #waitMs: number;
  readonly #maxStaleMs: number;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #rateLimit: RateLimiter;
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;
  /** The index to block on; undefined means the next request is a fresh, non-blocking one. */
  #index: number | undefined;
  /** The index of the last answer taken; kept through failures, to recognise an answer from the past. */
  #seenIndex: number | undefined;
  readonly #deliverEveryIndex: boolean;
  readonly #holdBlocking: ((signal: AbortSignal) => Promise<void>) | undefined;
  readonly #fetchLimit: ConcurrencyLimit | undefined;
  /** What was last delivered: its index (while no failure came since) and, unless not compared, its JSON. */
  #delivered: { index: number | undefined; json: string | undefined } | undefined;
  /** Failures since the last success. */
  #failures = 0;
  /** What the last parsed answer reported (entries left out): each is logged when it first appears. */
  #warned = new Set<string>();

  constructor(
    client: ConsulReader,
    dependency: Dependency<T>,
    options: BlockingQueryOptions,
    handlers: BlockingQueryHandlers<T>,
  ) {
    this.#client = client;
    this.#dependency = dependency;
    this.#handlers = handlers;
    this.#waitMs = options.waitMs;
    this.#maxStaleMs = options.maxStaleMs;
    this.#log = options.logger.child({ dependency: dependency.id });
    this.#backoff = new Backoff(options.backoff);
    this.#rateLimit = new RateLimiter({ minSpacingMs: options.minSpacingMs });
    this.#deliverEveryIndex = options.deliverEveryIndex ?? false;
    this.#holdBlocking = options.holdBlocking;
    this.#fetchLimit = options.fetchLimit;
  }

  start(): void {
    if (this.#running) throw new Error(`the watch of ${this.#dependency.id} was already started`);
    this.#running = this.#loop(this.#abort.signal);
  }

  /** Aborts the request in flight; no handler is called after this. Resolves when the loop has ended. */
  stop(): Promise<void> {
    this.#abort.abort();
    return this.#running ?? Promise.resolve();
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#round(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.#failed(error instanceof Error ? error : new Error(String(error)));
        await pause(this.#backoff.next(), signal);
      }
    }
  }

  /** One request (two when a stale answer is too old or behind), and whatever follows from its answer. */
  async #round(signal: AbortSignal): Promise<void> {
    const { pollMs } = this.#dependency;
    if (pollMs !== undefined) return this.#poll(pollMs, signal);
    if (this.#index !== undefined && this.#holdBlocking) {
      await this.#holdBlocking(signal);
      signal.throwIfAborted();
    }
    let response = await this.#get({ index: this.#index, stale: true }, signal);
    if (response.lastContactMs > this.#maxStaleMs) {
      this.#log.debug('stale answer too old; asking the leader', { lastContactMs: response.lastContactMs });
      // No index: the leader must answer now, not block until the next change.
      response = await this.#get({ index: undefined, stale: false }, signal);
    } else if (this.#isBehind(response)) {
      // A server behind what this loop has already seen (one restarted and still replaying its
      // log, a lagging follower) answers with older data, even none at all. Only the leader can
      // tell that apart from a real step back (a snapshot restore, a new agent, a KV list losing
      // its newest key).
      this.#log.debug('answer older than data already seen; asking the leader', { seen: this.#seenIndex, index: response.index });
      response = await this.#get({ index: undefined, stale: false }, signal);
    }
    requireLeader(response, this.#dependency);
    const index = requireIndex(response, this.#dependency, 'so it cannot be watched');
    if (this.#isBehind(response)) {
      // The leader says so too: the index went backwards for real. Its answer is the new start
      // (as the docs ask: reset and read afresh, or updates could be missed for good).
      this.#log.debug('index went backwards; starting over', { from: this.#seenIndex, to: index });
    }
    const data = this.#parse(response);
    if (signal.aborted) return;
    // Never block on 0 or below: Consul would answer at once, and the loop would spin. The docs
    // say 1 is always safe.
    this.#index = Math.max(1, index);
    this.#seenIndex = index;
    this.#succeeded();
    this.#deliver(data, this.#index);
  }

  /** An endpoint Consul cannot block on (no index): read again `pollMs` after each answer. */
  async #poll(pollMs: number, signal: AbortSignal): Promise<void> {
    if (this.#delivered !== undefined) await pause(pollMs, signal);
    signal.throwIfAborted();
    const response = await this.#get({ index: undefined, stale: true }, signal);
    const data = this.#parse(response);
    if (signal.aborted) return;
    this.#succeeded();
    this.#deliver(data, undefined);
  }

  /** The answer as the dependency shapes it; what it reports is logged. */
  #parse(response: ConsulResponse): T {
    const reported = new Set<string>();
    const data = parseAnswer(this.#dependency, response, (message) => reported.add(message));
    this.#warnNew(reported);
    return data;
  }

  #isBehind(response: ConsulResponse): boolean {
    return this.#seenIndex !== undefined && response.index !== undefined && response.index < this.#seenIndex;
  }

  async #get(
    request: { index: number | undefined; stale: boolean },
    signal: AbortSignal,
  ): Promise<ConsulResponse> {
    await pause(this.#rateLimit.reserve(), signal);
    const limit = request.index === undefined ? this.#fetchLimit : undefined;
    return readAnswer(this.#client, this.#dependency, { ...request, waitMs: this.#waitMs, signal, limit });
  }

  /** `index` is undefined for a polled endpoint: its answers are told apart by their data alone. */
  #deliver(data: T, index: number | undefined): void {
    // At one index the data is what it was (a wait that ran out answers with the same index):
    // known without serialising it, as long as no failure (maybe a new agent) came in between.
    if (index !== undefined && this.#delivered !== undefined && this.#delivered.index === index) {
      this.#handlers.onUnchanged?.(index);
      return;
    }
    const json = this.#deliverEveryIndex ? undefined : JSON.stringify(data);
    if (json !== undefined && this.#delivered?.json === json) {
      this.#delivered.index = index;
      this.#handlers.onUnchanged?.(index ?? 0);
      return;
    }
    this.#handlers.onData(data, index ?? 0);
    // Recorded after onData returns: if it throws, the next success delivers again.
    this.#delivered = { index, json };
  }

  #failed(error: Error): void {
    this.#index = undefined;
    if (this.#delivered !== undefined) this.#delivered.index = undefined;
    this.#failures += 1;
    if (this.#failures === 1) {
      this.#log.warn('Consul query failed; retrying', { error: error.message });
    } else {
      this.#log.debug('Consul query failed again', { error: error.message, failures: this.#failures });
    }
    this.#handlers.onError?.(error);
  }

  #succeeded(): void {
    if (this.#failures === 0) return;
    this.#log.info('Consul query recovered', { failures: this.#failures });
    this.#failures = 0;
    this.#backoff.reset();
    this.#handlers.onRecover?.();
  }

  /**
   * What a dependency reports about its data (an entry left out) is worth one line while it
   * lasts, and one more if it comes back. Only the last answer's reports are kept, so a stream of
   * ever new bad entries cannot grow drcon's memory.
   */
  #warnNew(reported: Set<string>): void {
    for (const message of reported) if (!this.#warned.has(message)) this.#log.warn(message);
    this.#warned = reported;
  }
}

/** Sleeps, or returns early (without throwing) when the loop is stopped. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}
