// The connections to one agent address, over Node's own HTTP client: kept alive from one request
// to the next, one request at a time on each (no pipelining, no HTTP/2), at most `maxConnections`
// open (a request beyond waits for a free one).
//
// Node's client rather than undici's Pool, for start-up and memory: undici's HTTP parser is a
// WebAssembly build compiled in the process at its first request, so loading the Pool and
// sending a first request cost several times the CPU of node:http (whose parser is Node's own, in
// C), on drcon's path from start to its first render, and a third more peak memory at 100
// long-polls. The client needs none of what undici adds.
// node:http and node:https are loaded with require, not an ES import: Node's ES facade of
// node:http reads its lazy exports, and with them loads Node's own copy of undici.
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type { TlsConnectOptions } from './tls.ts';

const require = createRequire(import.meta.url);

export interface AgentAnswer {
  status: number;
  headers: Http.IncomingHttpHeaders;
  text: string;
}

export interface AgentRequest {
  method: 'GET' | 'PUT';
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
}

/** The error of an answer whose connection closed before its whole body came. */
export class TruncatedAnswerError extends Error {
  readonly code = 'ECONNRESET';
}

export class AgentConnections {
  readonly #url: URL;
  readonly #agent: Http.Agent;
  readonly #send: typeof Http.request;

  constructor(origin: string, options: { maxConnections: number | undefined; tls: TlsConnectOptions }) {
    this.#url = new URL(origin);
    const limits = { keepAlive: true, maxSockets: options.maxConnections ?? Infinity };
    if (this.#url.protocol === 'https:') {
      // Only an https address loads node:https, and with it node:tls.
      const https = require('node:https') as typeof Https;
      this.#agent = new https.Agent({ ...limits, ...options.tls });
      this.#send = https.request as typeof Http.request;
    } else {
      const http = require('node:http') as typeof Http;
      this.#agent = new http.Agent(limits);
      this.#send = http.request;
    }
  }

  /** Resolves to the whole answer; rejects when no whole answer came (refused, reset, aborted). */
  request({ method, path, headers, body, signal }: AgentRequest): Promise<AgentAnswer> {
    return new Promise((resolve, reject) => {
      const request = this.#send({
        agent: this.#agent,
        // URL keeps an IPv6 host in brackets; the socket wants the bare address.
        host: this.#url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: this.#url.port || undefined,
        method,
        path,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        signal,
      });
      request.once('error', reject);
      request.once('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        // Node's own word for a body cut short is "aborted": say what happened.
        const truncated = (cause?: unknown) => new TruncatedAnswerError('the connection closed before the whole answer came', { cause });
        response.once('error', (error) => reject(response.complete ? error : truncated(error)));
        response.once('end', () => {
          if (!response.complete) return reject(truncated());
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      request.end(body);
    });
  }

  /** Closes every connection; requests still in flight fail. */
  close(): void {
    this.#agent.destroy();
  }
}
