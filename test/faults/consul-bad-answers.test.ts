// Broken answers from "Consul": malformed and truncated bodies, resets, error statuses, answers
// without a leader or an index, a 404 page, an answer slower than the wait and one that never
// comes. The real `drcon render` must log each, retry, never crash, and never write anything but
// a complete render of good data.
//
// A hand-made fake Consul is used here because a real agent cannot be made to send any of these
// on demand (it never truncates a body or sends invalid JSON, and it cannot be told to hang).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startDrcon } from '../../harness/drcon.ts';
import { versionLog } from '../../harness/version-log.ts';
import { waitFor } from '../../harness/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'drcon-bad-answers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** One instance of "web" as /v1/health/service answers it. */
function instance(id: string, port: number): unknown {
  return {
    Node: { ID: '', Node: 'node-1', Address: '10.0.0.1', Datacenter: 'dc1', Meta: {} },
    Service: { ID: id, Service: 'web', Address: '', Port: port, Tags: [], Meta: {} },
    Checks: [{ Node: 'node-1', CheckID: 'serfHealth', Name: 'Serf', Status: 'passing', Notes: '', Output: '', ServiceID: '', ServiceName: '' }],
  };
}

type Fault =
  | 'malformed JSON'
  | 'truncated body'
  | 'connection reset'
  | 'HTML error page'
  | 'no cluster leader (500)'
  | 'leaderless empty answer'
  | 'stale empty answer, leader unreachable'
  | 'wrong shape'
  | 'JSON null'
  | 'no index'
  | '404 page'
  | 'hang';

type State = { kind: 'good'; index: number; body: unknown[]; delayMs?: number } | { kind: 'fault'; fault: Fault };

/** Serves /v1/health/service/web from `state`; a blocking query on the current index is held until the state changes or its wait ends. */
class FakeConsul {
  state: State = { kind: 'good', index: 10, body: [] };
  readonly served = new Map<Fault, number>();
  readonly #held = new Set<() => void>();
  readonly #server = createServer((request, response) => this.#handle(request, response, true));
  address = '';

  async start(): Promise<void> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.address = `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  set(state: State): void {
    this.state = state;
    for (const release of [...this.#held]) release();
  }

  async stop(): Promise<void> {
    for (const release of [...this.#held]) release();
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  #handle(request: IncomingMessage, response: ServerResponse, mayHold: boolean): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const state = this.state;
    if (url.pathname !== '/v1/health/service/web') return void response.writeHead(400).end('unexpected path');
    if (state.kind === 'fault') {
      this.served.set(state.fault, (this.served.get(state.fault) ?? 0) + 1);
      return this.#fault(state.fault, url, request, response);
    }
    const blockingOn = Number(url.searchParams.get('index') ?? 0);
    if (mayHold && blockingOn >= state.index) {
      const waitMs = Number(/^(\d+)s$/.exec(url.searchParams.get('wait') ?? '')?.[1] ?? 1) * 1000;
      const release = () => {
        clearTimeout(timer);
        this.#held.delete(release);
        if (!response.destroyed) this.#handle(request, response, false);
      };
      const timer = setTimeout(release, waitMs);
      this.#held.add(release);
      return;
    }
    const answer = () => json(response, 200, state.body, { index: state.index });
    if (state.delayMs === undefined) answer();
    else setTimeout(answer, state.delayMs);
  }

  #fault(fault: Fault, url: URL, request: IncomingMessage, response: ServerResponse): void {
    const good = [instance('web-1', 8080)];
    switch (fault) {
      case 'malformed JSON':
        return void response.writeHead(200, consulHeaders(20)).end('[{"Node": {"Node": "node-1",');
      case 'truncated body': {
        // Announces the whole good answer, sends half of it, and drops the connection.
        const text = JSON.stringify(good);
        response.writeHead(200, { ...consulHeaders(21), 'content-length': String(text.length) });
        response.write(text.slice(0, text.length / 2));
        return void setTimeout(() => response.socket?.destroy(), 20);
      }
      case 'connection reset':
        return void request.socket.resetAndDestroy();
      case 'HTML error page':
        return void response.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      case 'no cluster leader (500)':
        return void response.writeHead(500, { ...consulHeaders(1), 'x-consul-knownleader': 'false' }).end('No cluster leader');
      case 'leaderless empty answer':
        return json(response, 200, [], { index: 22, knownLeader: false });
      case 'stale empty answer, leader unreachable':
        // A server cut off from the leader: its stale answer is empty and old; a leader read fails.
        if (url.searchParams.has('stale')) return json(response, 200, [], { index: 23, lastContactMs: 60_000 });
        return void response.writeHead(500).end('rpc error: No cluster leader');
      case 'wrong shape':
        return json(response, 200, { Nodes: [] }, { index: 24 });
      case 'JSON null':
        return json(response, 200, null, { index: 25 });
      case 'no index':
        return json(response, 200, [], {});
      case '404 page':
        return void response.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
      case 'hang':
        return;
    }
  }
}

function consulHeaders(index: number | undefined, knownLeader = true, lastContactMs = 0): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(index === undefined ? {} : { 'x-consul-index': String(index) }),
    'x-consul-knownleader': String(knownLeader),
    'x-consul-lastcontact': String(lastContactMs),
  };
}

function json(response: ServerResponse, status: number, body: unknown, meta: { index?: number; knownLeader?: boolean; lastContactMs?: number }): void {
  response.writeHead(status, consulHeaders(meta.index, meta.knownLeader, meta.lastContactMs)).end(JSON.stringify(body));
}

test('bad answers are logged and retried; the file only ever holds a complete render of good data', async (t) => {
  const consul = new FakeConsul();
  await consul.start();
  t.after(() => consul.stop());

  const one = [instance('web-1', 8080)];
  const two = [...one, instance('web-2', 8081)];
  const three = [...two, instance('web-3', 8082)];
  consul.set({ kind: 'good', index: 10, body: one });

  const source = join(dir, 'web.hbs');
  const destination = join(dir, 'web.conf');
  writeFileSync(source, 'upstream web {\n{{#each (service "web")}}    server {{Address}}:{{Port}};\n{{/each}}\n}\n'); // {{/each}} alone on its line leaves no line
  const render = (ports: number[]) => `upstream web {\n${ports.map((port) => `    server 10.0.0.1:${port};\n`).join('')}}\n`;
  const log = versionLog(destination, join(dir, 'versions.log'));
  // -consul-wait 1s keeps the hung request's timeout (wait + wait/16 + 5 s margin) short.
  const drcon = startDrcon(['render', '-consul-addr', consul.address, '-consul-wait', '1s', '-log-level', 'debug', '-min-interval', '10ms', '-template', `${source}:${destination}:${log.command}`]);
  t.after(() => drcon.stop());
  let finished = false; // what drcon said and wrote is printed when the test fails
  t.after(() => {
    if (!finished) console.log(drcon.output(), '\nversions:', log.versions());
  });
  await waitFor('the first render', () => log.versions().length === 1);
  assert.deepEqual(log.versions(), [render([8080])]);

  const faults: [Fault, RegExp][] = [
    ['malformed JSON', /malformed JSON in a 200 answer/],
    ['truncated body', /cannot reach Consul at http:\/\/127\.0\.0\.1:\d+: the connection closed before the whole answer came/],
    ['connection reset', /cannot reach Consul at http:\/\/127\.0\.0\.1:\d+: (read ECONNRESET|socket hang up)/],
    ['HTML error page', /502 <html><body><h1>502 Bad Gateway/],
    ['no cluster leader (500)', /500 No cluster leader/],
    ['leaderless empty answer', /the agent knows no cluster leader/],
    ['stale empty answer, leader unreachable', /500 rpc error: No cluster leader/],
    ['wrong shape', /health\.service\(web\|passing\): unexpected answer from Consul: expected a JSON list/],
    ['JSON null', /unexpected answer from Consul: expected a JSON list/],
    ['no index', /the answer has no X-Consul-Index/],
    ['404 page', /404 page not found/],
  ];
  for (const [fault, logged] of faults) {
    consul.set({ kind: 'fault', fault });
    await waitFor(`drcon to ask during "${fault}"`, () => (consul.served.get(fault) ?? 0) >= 1);
    await drcon.waitForOutput(logged);
    assert.equal(drcon.process.exitCode, null, `drcon still running after "${fault}"`);
  }
  assert.equal((drcon.output().match(/WARN +Consul query failed; retrying/g) ?? []).length, 1, 'one warning for the whole failure streak');

  // An answer slower than the wait (Consul adds up to wait/16 of its own) is still an answer.
  consul.set({ kind: 'good', index: 30, body: two, delayMs: 2_500 });
  await waitFor('the slow answer rendered', () => log.versions().length === 2);
  await drcon.waitForOutput(/Consul query recovered/);

  // An agent that accepts the request and never answers: given up on after the wait and a margin.
  consul.set({ kind: 'fault', fault: 'hang' });
  await drcon.waitForOutput(/no answer within \d+ ms/, 20_000);

  consul.set({ kind: 'good', index: 40, body: three });
  await waitFor('recovery rendered', () => log.versions().length === 3);

  assert.deepEqual(log.versions(), [render([8080]), render([8080, 8081]), render([8080, 8081, 8082])], 'only complete renders of good data, in order');
  assert.equal(readFileSync(destination, 'utf8'), render([8080, 8081, 8082]));
  assert.equal(drcon.process.exitCode, null, 'drcon is still running');
  assert.doesNotMatch(drcon.output(), /ERROR|Uncaught|TypeError/);
  finished = true;
});
