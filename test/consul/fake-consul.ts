// A tiny scripted HTTP server standing in for a Consul agent, ONLY for what a real agent cannot be
// made to do on demand (or cannot show): report a stale LastContact or a leaderless 200, send
// malformed or truncated bodies, move its index backwards or to 0, hold a request forever, and
// reveal the exact request it received. Everything else is tested against a real agent.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  /** The raw query string, to check what is (not) in the URL. */
  search: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Resolves when the client goes away from this request (aborted or answered). */
  closed: Promise<void>;
}

export type FakeAnswer =
  | { kind: 'json'; status?: number; index?: number; knownLeader?: boolean; lastContactMs?: number; body: unknown }
  | { kind: 'text'; status: number; index?: number; text: string }
  /** Announces a longer body than it sends, then drops the connection. */
  | { kind: 'truncated'; index?: number }
  /** Never answers, like a blocking query waiting for a change. */
  | { kind: 'hold' };

export const json = (index: number, body: unknown, extra: { knownLeader?: boolean; lastContactMs?: number } = {}): FakeAnswer =>
  ({ kind: 'json', index, body, ...extra });
export const hold: FakeAnswer = { kind: 'hold' };

export interface FakeConsul {
  address: string;
  requests: ReceivedRequest[];
  stop(): Promise<void>;
}

/** `script(request, n)` decides the answer to the n-th request (0-based). */
export async function startFakeConsul(
  script: (request: ReceivedRequest, n: number) => FakeAnswer,
): Promise<FakeConsul> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: ReceivedRequest = {
      path: url.pathname,
      search: url.search,
      query: url.searchParams,
      headers: req.headers,
      closed: once(res, 'close').then(() => undefined),
    };
    requests.push(request);
    respond(res, script(request, requests.length - 1));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function respond(res: ServerResponse, answer: FakeAnswer): void {
  if (answer.kind === 'hold') return;
  const consulHeaders = (index: number | undefined, knownLeader = true, lastContactMs = 0) => ({
    ...(index === undefined ? {} : { 'X-Consul-Index': String(index) }),
    'X-Consul-KnownLeader': String(knownLeader),
    'X-Consul-LastContact': String(lastContactMs),
  });
  switch (answer.kind) {
    case 'json':
      res.writeHead(answer.status ?? 200, {
        'Content-Type': 'application/json',
        ...consulHeaders(answer.index, answer.knownLeader, answer.lastContactMs),
      });
      res.end(JSON.stringify(answer.body));
      return;
    case 'text':
      res.writeHead(answer.status, { 'Content-Type': 'text/plain', ...consulHeaders(answer.index) });
      res.end(answer.text);
      return;
    case 'truncated':
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000', ...consulHeaders(answer.index) });
      res.write('["web-1", "web-');
      setImmediate(() => res.destroy());
      return;
  }
}
