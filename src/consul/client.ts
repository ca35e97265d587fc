// The HTTP client for a Consul agent's API: GET with JSON answers and blocking-query parameters,
// PUT for the agent's own writes, the ACL token in a header, TLS, and failover between several
// agent addresses.
import { parseConsulAddress } from '../config/consul-address.ts';
import { AgentConnections } from './agent-connections.ts';
import { tlsConnectOptions } from './tls.ts';
import type { ConsulClientOptions, ConsulGetOptions, ConsulRequestInfo, ConsulResponse } from './types.ts';

const defaultRequestTimeoutMs = 10_000;
/** Consul holds a blocking query this long when no `wait` is sent, and never longer than the max. */
const consulDefaultWaitMs = 5 * 60_000;
const consulMaxWaitMs = 10 * 60_000;
/** On top of wait + wait/16 (Consul's own jitter): time for the network and the answer itself. */
const blockingMarginMs = 5_000;

/** Consul answered, but not with usable data: a non-2xx status (other than 404) or bad JSON. */
export class ConsulError extends Error {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The endpoint without its variable part, as in ConsulRequestInfo. */
  readonly endpoint: string;

  constructor(message: string, status: number, endpoint: string) {
    super(message);
    this.name = 'ConsulError';
    this.status = status;
    this.endpoint = endpoint;
  }
}

export class ConsulClient {
  readonly #origins: string[];
  readonly #connections: AgentConnections[];
  readonly #token: string | undefined;
  readonly #requestTimeoutMs: number;
  readonly #onRequest: ((info: ConsulRequestInfo) => void) | undefined;
  readonly #hasClientCertificate: boolean;
  /** The address requests go to; moves on only when a request there fails to connect. */
  #current = 0;

  constructor(options: ConsulClientOptions) {
    if (options.addresses.length === 0) throw new Error('no Consul address given');
    this.#origins = options.addresses.map(parseConsulAddress);
    this.#token = options.token === '' ? undefined : options.token;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
    this.#onRequest = options.onRequest;

    const connect = tlsConnectOptions(options);
    this.#hasClientCertificate = connect.cert !== undefined;
    if (!connect.rejectUnauthorized && this.#origins.some((origin) => origin.startsWith('https:'))) {
      options.logger?.warn('TLS certificate verification of the Consul agent is disabled');
    }
    // Every blocking query holds its connection for up to the whole wait: one request at a time
    // per connection, never queued behind another on the same socket. The watcher bounds the
    // requests in flight (its budget of blocking queries plus its fetch limit); `maxConnections`
    // (the watcher's connectionsNeeded) caps the connections besides. HTTP/1.1 only: over HTTP/2
    // queries would share connections as streams, and the connection count that budget is
    // reckoned in would no longer hold.
    this.#connections = this.#origins.map((origin) => new AgentConnections(origin, options.maxConnections, connect));
  }

  /**
   * GET `path` (e.g. "/v1/health/service/web"; already escaped by the caller; no query) with `params`.
   * Consul's 404 is data (a missing KV key): `{ status: 404, body: undefined }`. Other non-2xx answers
   * and unparsable bodies throw ConsulError; no answer at all throws an Error naming the address.
   */
  async get(
    path: string,
    params: Record<string, string | undefined>,
    options: ConsulGetOptions = {},
  ): Promise<ConsulResponse> {
    return this.#request('GET', path, params, options, undefined);
  }

  /**
   * PUT `path` with `body` sent as JSON (none when undefined), as the agent's write endpoints
   * (service register, deregister, maintenance, check update) take it. Errors as for `get`; a 404
   * (an unknown service or check) is an error here, not data.
   */
  async put(path: string, params: Record<string, string | undefined>, body?: unknown): Promise<ConsulResponse> {
    const response = await this.#request('PUT', path, params, {}, body === undefined ? undefined : JSON.stringify(body));
    if (response.status === 404) throw new ConsulError(`PUT ${path}: 404 not found`, 404, endpointOf(path));
    return response;
  }

  async #request(
    method: 'GET' | 'PUT',
    path: string,
    params: Record<string, string | undefined>,
    options: ConsulGetOptions,
    body: string | undefined,
  ): Promise<ConsulResponse> {
    if (!path.startsWith('/') || /[?#]/.test(path)) {
      throw new Error(`invalid Consul API path ${JSON.stringify(path)}: expected "/v1/..." without a query`);
    }
    const endpoint = endpointOf(path);
    const timeoutMs = this.#timeoutFor(options);
    const slot = this.#current;
    const origin = this.#origins[slot]!;

    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      ({ status, headers, text } = await this.#connections[slot]!.send({
        method,
        path: path + queryString(params, options),
        headers: this.#token === undefined ? {} : { 'x-consul-token': this.#token },
        body,
        signal,
      }));
    } catch (error) {
      // Stopped by the caller: not a failure of this address.
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      this.#failOver(slot);
      this.#onRequest?.({ endpoint, status: 'error' });
      const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : describeConnectFailure(error, origin.startsWith('https:') && !this.#hasClientCertificate);
      throw new Error(`${method} ${path}: cannot reach Consul at ${origin}: ${reason}`, { cause: error });
    }
    this.#onRequest?.({ endpoint, status });

    const failure = (reason: string) =>
      new ConsulError(`${method} ${path}: ${this.#scrub(reason)}`, status, endpoint);
    const index = wholeNumber(firstHeader(headers, 'x-consul-index'));
    let answer: unknown;
    // Consul's own 404 (a missing KV key) carries an index; one without is a wrong address or a
    // proxy's page, and its body says more than a missing index would.
    if (status === 404 && (index !== undefined || method === 'PUT')) {
      answer = undefined;
    } else if (status === 403) {
      // "Permission denied" (the token may not read this) or "ACL not found" (no such token).
      throw failure(`permission denied by Consul ACLs (403 ${oneLine(text) || 'no error message'}); check the ACL token`);
    } else if (status < 200 || status > 299) {
      throw failure(`${status} ${oneLine(text) || 'no error message'}`);
    } else if (method === 'PUT' && text.trim() === '') {
      // The agent's writes answer 200 with an empty body.
      answer = undefined;
    } else {
      try {
        answer = JSON.parse(text);
      } catch (error) {
        throw failure(`malformed JSON in a ${status} answer: ${describe(error)}`);
      }
    }
    return {
      status,
      index,
      knownLeader: firstHeader(headers, 'x-consul-knownleader') !== 'false',
      lastContactMs: wholeNumber(firstHeader(headers, 'x-consul-lastcontact')) ?? 0,
      body: answer,
    };
  }

  /** Closes every connection; requests still in flight fail. */
  async close(): Promise<void> {
    for (const connections of this.#connections) connections.close();
  }

  #timeoutFor(options: ConsulGetOptions): number {
    if (options.index === undefined) return this.#requestTimeoutMs;
    const wait = Math.min(options.waitMs ?? consulDefaultWaitMs, consulMaxWaitMs);
    return Math.ceil(wait + wait / 16) + blockingMarginMs;
  }

  /**
   * Round robin on failure: the next request tries the next address. Only the request that used
   * the current address moves it, so many watches failing at once advance it by one, not many.
   */
  #failOver(failedSlot: number): void {
    if (this.#current === failedSlot) this.#current = (failedSlot + 1) % this.#origins.length;
  }

  /** An error body could in theory echo the token; it must never reach a message. */
  #scrub(text: string): string {
    return this.#token === undefined ? text : text.split(this.#token).join('[redacted]');
  }
}

/** "/v1/health/service/web" → "/v1/health/service"; "/v1/kv/a/b" → "/v1/kv". */
export function endpointOf(path: string): string {
  const segments = path.split('/');
  // Under /v1/kv and /v1/query the variable part (key, query id) starts right away.
  const kept = segments[2] === 'kv' || segments[2] === 'query' ? 3 : 4;
  return segments.slice(0, kept).join('/');
}

/** Encodes params (undefined = absent, "" = a bare flag like `stale`) and the blocking options. */
function queryString(params: Record<string, string | undefined>, options: ConsulGetOptions): string {
  const all: [string, string][] = [];
  for (const [name, value] of Object.entries(params)) if (value !== undefined) all.push([name, value]);
  if (options.index !== undefined) {
    all.push(['index', String(options.index)]);
    if (options.waitMs !== undefined) all.push(['wait', formatWait(options.waitMs)]);
  }
  if (options.stale) all.push(['stale', '']);
  if (all.length === 0) return '';
  const encoded = all.map(([name, value]) =>
    value === '' ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
  );
  return '?' + encoded.join('&');
}

/** Consul takes a Go duration: "60s", or "1500ms" when not whole seconds. */
function formatWait(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

function firstHeader(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function wholeNumber(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? line.slice(0, 300) + '…' : line;
}

/** Node's codes for a certificate that chains to no CA it trusts: the fix is to give the CA. */
const untrustedCertificate = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/**
 * Why a request got no answer; an untrusted certificate says how to trust it (not Node's own hint).
 * An agent with verify_incoming refuses a client without a certificate, with a TLS alert or (in
 * some handshakes) by closing the connection: over https without a client certificate, that says so.
 */
function describeConnectFailure(error: unknown, withoutClientCertificate: boolean): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && untrustedCertificate.has(code)) {
    const reason = describe(error).split(';')[0];
    return `the agent's TLS certificate is not trusted: ${reason} (give its CA with -ca-file or CONSUL_CACERT)`;
  }
  const alert = typeof code === 'string' ? /^ERR_SSL_(?:SSLV3|TLSV1\d?|SSL\/TLS)_ALERT_(.+)$/.exec(code)?.[1] : undefined;
  // OpenSSL's own text for an alert is a line of internals; its code says it all.
  const reason = alert === undefined ? describe(error) : `the agent refused the TLS handshake (${alert.toLowerCase().replaceAll('_', ' ')})`;
  if (withoutClientCertificate && (code === 'ECONNRESET' || alert !== undefined)) {
    return `${reason} (an agent that verifies its clients asks for a client certificate: give -client-cert and -client-key)`;
  }
  return reason;
}

/** A one-line reason; a failed dual-stack connect is an AggregateError with an empty message. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return oneLine(error.message) || (typeof code === 'string' ? code : error.name);
  }
  return oneLine(String(error));
}
