// The boundary between the Consul client and the code that watches queries.
import type { Logger } from '../log/logger.ts';
import type { ConsulTlsOptions } from './tls.ts';

export interface ConsulClientOptions extends ConsulTlsOptions {
  /** One or more agent addresses ("host:port", "http://…", "https://…"); failover moves along them. */
  addresses: string[];
  /** ACL token: sent only in the X-Consul-Token header, never in a URL or a log line. */
  token?: string;
  /** Timeout of a request without an index (a blocking one gets its wait plus a margin). Default 10 s. */
  requestTimeoutMs?: number;
  /** Where the client reports what it must (so far: that TLS verification is off). */
  logger?: Logger;
  /** Most connections per agent address; unset: as many as requests in flight. */
  maxConnections?: number;
  /** Called once per finished request, for metrics. Not called for requests the caller aborted. */
  onRequest?(info: ConsulRequestInfo): void;
}

export interface ConsulRequestInfo {
  /** The path without its variable part ("/v1/health/service", "/v1/kv"): low cardinality. */
  endpoint: string;
  /** HTTP status, or 'error' when no answer came (refused, reset, timeout, DNS, TLS). */
  status: number | 'error';
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
  /** Decoded JSON body; undefined on 404 and for an empty answer to a PUT. */
  body: unknown;
}
