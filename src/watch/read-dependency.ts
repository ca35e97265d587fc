// One read of a dependency's query, and what its answer must show before its data is believed:
// the request every blocking loop and every fetch of the watcher makes. A blocking loop reads on
// its own connection; the non-blocking fetches share one concurrency limit (`limit`).
import type { ConsulGetOptions, ConsulResponse } from '../consul/types.ts';
import type { Dependency } from '../dependency/dependency.ts';
import type { ConsulReader } from './blocking-query.ts';
import type { ConcurrencyLimit } from './concurrency-limit.ts';

export interface ReadOptions extends Omit<ConsulGetOptions, 'signal'> {
  signal: AbortSignal;
  /** Wait for a turn of this limit first. */
  limit?: ConcurrencyLimit;
}

/** GET the dependency's query; an aborted signal throws before the request goes out. */
export function readAnswer(reader: ConsulReader, dependency: Dependency<unknown>, { limit, ...options }: ReadOptions): Promise<ConsulResponse> {
  const { path, params } = dependency.query;
  const get = () => {
    options.signal.throwIfAborted();
    return reader.get(path, params, options);
  };
  return limit ? limit.run(get) : get();
}

/** Without a leader, an agent may answer empty or old data as if it were current. */
export function requireLeader(response: ConsulResponse, dependency: Dependency<unknown>): void {
  if (!response.knownLeader) {
    throw new Error(`GET ${dependency.query.path}: the agent knows no cluster leader, so the answer may be empty or old`);
  }
}

/** The index an answer must carry to be watched or ordered; `why` ends the message. */
export function requireIndex(response: ConsulResponse, dependency: Dependency<unknown>, why?: string): number {
  if (response.index === undefined) {
    throw new Error(`GET ${dependency.query.path}: the answer has no X-Consul-Index${why ? `, ${why}` : ''}`);
  }
  return response.index;
}

/** The answer's data, shaped by the dependency; a 404 (a missing KV key) is "not found". */
export function parseAnswer<T>(dependency: Dependency<T>, response: ConsulResponse, report: (message: string) => void = () => {}): T {
  return dependency.parse({ found: response.status !== 404, body: response.body }, report);
}
