// A dependency is one Consul query a template needs: how to name it, how to ask for it, and how
// to turn Consul's answer into template data. It does no I/O itself; the watcher fetches it.

/** What to ask Consul for: a path under /v1 and its query parameters (no index/wait/stale). */
export interface ConsulQuery {
  path: string;
  params: Record<string, string | undefined>;
}

/** Consul's answer as a dependency sees it: 404 arrives as `found: false` (a missing KV key). */
export interface ConsulAnswer {
  found: boolean;
  body: unknown;
}

export interface Dependency<T = unknown> {
  /** Stable identity: two dependencies with the same id are the same query and share one watch. */
  readonly id: string;
  readonly query: ConsulQuery;
  /**
   * For an endpoint Consul answers without an index (it cannot block, like the list of
   * datacenters): how long to wait between two reads. Unset for blocking queries.
   */
  readonly pollMs?: number;
  /**
   * Shapes Consul's JSON into template data; throws on a body it cannot understand. Catalog
   * entries that are unsafe to render (say, an address that is not an address) are left out,
   * each reported once through `warn` with the service and instance it concerns.
   */
  parse(answer: ConsulAnswer, warn: (message: string) => void): T;
}
