// A tiny HTTP backend standing in for a service instance: answers every request with
// "200 <name>\n" and remembers what it was asked, so tests can see where the balancer sent traffic.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { once } from 'node:events';
import { freePort } from './ports.ts';

export interface BackendRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Size of the request body it received. */
  readonly bodyBytes: number;
}

export interface Backend {
  readonly name: string;
  readonly port: number;
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** How many requests it has answered. */
  readonly hits: number;
  readonly requests: readonly BackendRequest[];
  close(): Promise<void>;
}

export async function startBackend(name: string, host = '127.0.0.1'): Promise<Backend> {
  const requests: BackendRequest[] = [];
  const server = createServer((request, response) => {
    let bodyBytes = 0;
    request.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, bodyBytes });
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(`${name}\n`);
    });
  });
  const port = await freePort(host);
  server.listen(port, host);
  await once(server, 'listening');
  let closed = false;
  return {
    name,
    port,
    url: `http://${host}:${port}`,
    get hits() {
      return requests.length;
    },
    requests,
    async close() {
      if (closed) return;
      closed = true;
      // Upstream keepalive holds idle connections open; drop them so close() returns at once.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
