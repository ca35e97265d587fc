// A transparent TCP proxy in front of the Consul agent that counts what drcon sends through it:
// connections (each client connection gets exactly one upstream connection, so the agent sees
// the same number) and HTTP requests. drcon only sends GETs, which have no body, so each request
// ends at its blank line: counting "\r\n\r\n" on the way up counts requests, and the line before
// it names the path. A bench tool only: it adds one loopback hop to every request.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface CountingProxy {
  /** "127.0.0.1:PORT" for drcon's -consul-addr. */
  readonly address: string;
  readonly port: number;
  /** Requests seen so far, in order, with the time each one started. */
  readonly requests: { path: string; at: number }[];
  readonly openConnections: number;
  /** Most connections open at once since the last `resetPeak`. */
  readonly peakConnections: number;
  resetPeak(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(upstreamHost: string, upstreamPort: number): Promise<CountingProxy> {
  const requests: { path: string; at: number }[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  let peak = 0;

  // Without noDelay, Nagle's algorithm holds small writes back until the previous one is
  // acknowledged, which adds up to 40 ms (delayed ACK) to a request.
  const server: Server = createServer({ noDelay: true }, (client) => {
    open += 1;
    peak = Math.max(peak, open);
    const upstream = connect({ port: upstreamPort, host: upstreamHost, noDelay: true });
    sockets.add(client).add(upstream);
    let pending = '';
    client.on('data', (chunk: Buffer) => {
      // Headers are ASCII; keep only what can still hold an unfinished request head.
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const requestLine = pending.slice(0, pending.indexOf('\r\n'));
        requests.push({ path: requestLine.split(' ')[1] ?? '?', at: performance.now() });
        pending = pending.slice(end + 4);
      }
    });
    client.pipe(upstream).pipe(client);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
    client.once('close', () => {
      open -= 1;
      sockets.delete(client);
      sockets.delete(upstream);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;

  return {
    address: `127.0.0.1:${port}`,
    port,
    requests,
    get openConnections() {
      return open;
    },
    get peakConnections() {
      return peak;
    },
    resetPeak: () => {
      peak = open;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
