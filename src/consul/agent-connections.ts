// The connections to one Consul agent address, over Node's own HTTP/1.1 client. Node parses HTTP
// in C (llhttp); undici compiles its WebAssembly build of the same parser in the process that
// uses it, and with a hundred requests open it took far more resident memory (the README's
// Benchmarks section has the figures).
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TlsConnectOptions } from './tls.ts';

export interface Exchange {
  method: 'GET' | 'PUT';
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Ends the exchange (connecting, waiting for the answer or reading it) when it aborts. */
  signal: AbortSignal;
}

export interface ExchangeAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export class AgentConnections {
  readonly #url: URL;
  readonly #agent: HttpAgent;
  readonly #request: typeof httpRequest;

  /**
   * `origin` is "http://host:port" or "https://host:port". At most `maxConnections` are open at
   * once (unset: one per request in flight); a request past it waits for a free connection. Node
   * never pipelines: each connection carries one request at a time, and a blocking query holds
   * its connection for its whole wait.
   */
  constructor(origin: string, maxConnections: number | undefined, tls: TlsConnectOptions) {
    this.#url = new URL(origin);
    const options = { keepAlive: true, maxSockets: maxConnections ?? Infinity };
    const secure = this.#url.protocol === 'https:';
    // HTTPS agents take the TLS settings for every connection they open (servername included).
    this.#agent = secure ? new HttpsAgent({ ...options, ...tls }) : new HttpAgent(options);
    this.#request = secure ? httpsRequest : httpRequest;
  }

  /** One request and its whole answer as text; rejects when no complete answer comes. */
  send(exchange: Exchange): Promise<ExchangeAnswer> {
    const headers = exchange.body === undefined ? exchange.headers : { ...exchange.headers, 'content-length': String(Buffer.byteLength(exchange.body)) };
    return new Promise((resolve, reject) => {
      const request = this.#request(
        {
          agent: this.#agent,
          // Brackets off an IPv6 literal: the URL keeps them, the socket's connect wants none.
          host: this.#url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: this.#url.port,
          method: exchange.method,
          path: exchange.path,
          headers,
          signal: exchange.signal,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          // A connection closed before the whole body came (the length it announced) is no answer;
          // Node's own word for it is "aborted".
          const cut = (cause?: unknown) => reject(new Error('the connection closed before the whole answer came', { cause }));
          response.on('error', cut);
          response.on('close', () => {
            if (!response.complete) cut();
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      request.on('error', reject);
      request.end(exchange.body);
    });
  }

  /** Closes every connection; requests in flight fail. */
  close(): void {
    this.#agent.destroy();
  }
}
