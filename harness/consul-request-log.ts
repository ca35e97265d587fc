// A loopback HTTP proxy in front of a Consul agent that writes down every request it forwards, so
// a test can see which queries drcon sent (a blocking one carries `index=`).
import { createServer, request } from 'node:http';
import { once } from 'node:events';
import { freePort } from './ports.ts';

export interface ConsulRequestLog {
  /** HOST:PORT, for -consul-addr. */
  readonly address: string;
  /** The path and query of each request, in the order they came. */
  readonly urls: readonly string[];
  close(): Promise<void>;
}

export async function logConsulRequests(agentAddress: string): Promise<ConsulRequestLog> {
  const [host, port] = agentAddress.split(':');
  const urls: string[] = [];
  const server = createServer((incoming, answer) => {
    urls.push(incoming.url ?? '');
    const forwarded = request({ host, port: Number(port), method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
      answer.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(answer);
    });
    forwarded.on('error', () => answer.destroy());
    // drcon gone: so is the request it made.
    answer.on('close', () => forwarded.destroy());
    incoming.pipe(forwarded);
  });
  const listenPort = await freePort();
  server.listen(listenPort, '127.0.0.1');
  await once(server, 'listening');
  return {
    address: `127.0.0.1:${listenPort}`,
    urls,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
