// The counting proxy itself (see scale-proxy.ts), run in a worker thread so the bench's own
// work (reading the rendered file, sampling sockets) never holds a request of drcon's back.
// A transparent TCP proxy: each client connection gets exactly one upstream connection, so the
// agent sees the same number. drcon only sends GETs, which have no body, so each request ends at
// its blank line: counting "\r\n\r\n" on the way up counts requests, and the first line names it.
import { connect, createServer, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export type ProxyAsk = { ask: 'stats'; from: number } | { ask: 'reset-peak' } | { ask: 'close' };
export type ProxyQuestion = ProxyAsk & { id: number };
export interface ProxyStats {
  /** Requests seen since the start. */
  requestCount: number;
  /** The paths of requests number `from` onwards. */
  paths: string[];
  open: number;
  peak: number;
}

const { host, port } = workerData as { host: string; port: number };
const paths: string[] = [];
const sockets = new Set<Socket>();
let open = 0;
let peak = 0;

// Without noDelay, Nagle's algorithm holds small writes back until the previous one is
// acknowledged, which adds up to 40 ms (delayed ACK) to a request.
const server = createServer({ noDelay: true }, (client) => {
  open += 1;
  peak = Math.max(peak, open);
  const upstream = connect({ port, host, noDelay: true });
  sockets.add(client).add(upstream);
  let pending = '';
  client.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    let end: number;
    while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
      paths.push(pending.slice(0, pending.indexOf('\r\n')).split(' ')[1] ?? '?');
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

server.listen(0, '127.0.0.1', () => {
  parentPort!.postMessage({ listening: (server.address() as { port: number }).port });
});

parentPort!.on('message', (question: ProxyQuestion) => {
  if (question.ask === 'stats') {
    const stats: ProxyStats = { requestCount: paths.length, paths: paths.slice(question.from), open, peak };
    parentPort!.postMessage({ id: question.id, stats });
  } else if (question.ask === 'reset-peak') {
    peak = open;
    parentPort!.postMessage({ id: question.id });
  } else {
    for (const socket of sockets) socket.destroy();
    server.close(() => parentPort!.postMessage({ id: question.id }));
  }
});
