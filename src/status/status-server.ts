// The status server: GET /health (JSON; 200 healthy, 503 not) and GET /metrics (Prometheus text).
// Anything else is 404. Plain node:http: two read-only routes need no framework.
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatStatusAddress, type StatusAddress } from '../config/status-address.ts';

// With require, not an ES import: Node's ES facade of node:http reads its lazy exports, and with
// them loads Node's own copy of undici (about 30 ms more than require, in a bare Node process).
const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

/** What GET /health answers, as JSON: 200 when healthy, 503 when not (render's HealthReport, register's own). */
export interface HealthAnswer {
  healthy: boolean;
}

export interface StatusSource {
  health(): HealthAnswer;
  metrics(): Promise<string>;
  metricsContentType: string;
}

export interface StatusServer {
  /** The address it listens on (with the real port when 0 was asked for). */
  readonly address: StatusAddress;
  close(): Promise<void>;
}

/** Resolves once listening; rejects with one line naming the address when it cannot. */
export async function startStatusServer(address: StatusAddress, source: StatusSource): Promise<StatusServer> {
  const server = createServer((request, response) => {
    void answer(request, response, source).catch((error: Error) => {
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', `${error.message}\n`);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the address is in use' : error.code ?? error.message;
      reject(new Error(`status server: cannot listen on ${formatStatusAddress(address)}: ${why}`));
    });
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: address.host, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        // Scrapers keep connections open; they must not hold the process.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(request: IncomingMessage, response: ServerResponse, source: StatusSource): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://status').pathname;
  const readable = request.method === 'GET' || request.method === 'HEAD';
  if (readable && path === '/health') {
    const report = source.health();
    send(response, report.healthy ? 200 : 503, 'application/json', JSON.stringify(report, null, 2) + '\n');
  } else if (readable && path === '/metrics') {
    send(response, 200, source.metricsContentType, await source.metrics());
  } else {
    send(response, 404, 'text/plain; charset=utf-8', 'not found: try GET /health or GET /metrics\n');
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
