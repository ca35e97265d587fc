// The boundary between the Consul client and the code that watches queries.

export interface ConsulClientOptions {
  /** One or more agent addresses ("host:port", "http://…", "https://…"); failover moves along them. */
  addresses: string[];
  /** ACL token: sent only in the X-Consul-Token header, never in a URL or a log line. */
  token?: string;
  /** CA bundle (PEM file) to verify an https agent. */
  caFile?: string;
  /** Skip TLS verification (only when asked for explicitly; logged as a warning). */
  insecureSkipVerify?: boolean;
}

export interface ConsulGetOptions {
  /** Blocking index from the last answer; absent for a fresh, non-blocking read. */
  index?: number;
  /** Longest time Consul may hold the request (sent as `wait`). */
  waitMs?: number;
  /** Allow any server to answer (`stale`); otherwise the leader answers (consistent-ish default). */
  stale?: boolean;
  signal?: AbortSignal;
}

export interface ConsulResponse {
  status: number;
  /** X-Consul-Index, or undefined when the endpoint sent none. */
  index: number | undefined;
  knownLeader: boolean;
  /** X-Consul-LastContact in milliseconds: how stale a stale read may be. */
  lastContactMs: number;
  /** Decoded JSON body; undefined on 404. */
  body: unknown;
}
