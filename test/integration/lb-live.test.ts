// `drcon lb -upstreams live` end to end: the real CLI running a real Nginx with Debian's Lua
// module (libnginx-mod-http-lua, lua-resty-core), fed by a real Consul dev agent, balancing over
// real HTTP backends. A change of members must reach the workers without a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, request } from 'node:http';
import { once } from 'node:events';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lbGetter, lbTestBed, waitForServing, type LbUnderTest } from '../../harness/lb-test-bed.ts';
import { runDrcon, startDrcon } from '../../harness/drcon.ts';
import type { Backend } from '../../harness/backend.ts';
import { startLoadLoop } from '../../harness/load-loop.ts';
import { startAnswerLog } from '../../harness/answer-log.ts';
import { isAlive } from '../../harness/processes.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';
import { killMasterWithHungWorkers, workerPids } from '../../harness/nginx.ts';

const bed = lbTestBed('drcon-live-');
const { root } = bed;

interface Lb extends LbUnderTest {
  /** A counter of /metrics, such as `drcon_nginx_reloads_total{result="ok"}`. */
  metric(series: string): Promise<number>;
  master(): number;
  /** The first answer Nginx gave, asked every few milliseconds from drcon's start. */
  first: { status: number; body: string };
}

async function startLb(args: string[], dir?: string): Promise<Lb> {
  const port = await freePort();
  const statusPort = await freePort();
  const lbDir = dir ?? join(root, `lb-${port}`);
  const drcon = startDrcon([
    'lb', '-upstreams', 'live', '-consul-addr', bed.consul.address, '-listen', `127.0.0.1:${port}`, '-dir', lbDir,
    '-status-addr', `127.0.0.1:${statusPort}`, '-min-interval', '100ms', ...args,
  ]);
  bed.defer(() => drcon.stop());
  const get = lbGetter(port);
  const metric = async (series: string) => {
    const text = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    assert.ok(line, `${series} in /metrics`);
    return Number(line.slice(series.length + 1));
  };
  const first = await waitForServing(drcon, () => get(), 5);
  const master = () => Number(readFileSync(join(lbDir, 'nginx.pid'), 'utf8'));
  return { drcon, port, dir: lbDir, get, metric, master, first };
}

const backend = (name: string): Promise<Backend> => bed.backend(name);

async function register(service: string, id: string, port: number, extra: Record<string, unknown> = {}): Promise<void> {
  await bed.consul.registerService({ ID: id, Name: service, Address: '127.0.0.1', Port: port, ...extra });
}

/** Names answering over `count` requests, with how often each answered. */
async function answers(lb: Lb, count = 20, path = '/'): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const { body } = await lb.get(path);
    seen.set(body, (seen.get(body) ?? 0) + 1);
  }
  return seen;
}

const reloads = 'drcon_nginx_reloads_total{result="ok"}';
const liveUpdates = 'drcon_nginx_live_updates_total{result="ok"}';
const restarts = 'drcon_nginx_restarts_total';

/** A PUT to the control server, on its unix socket or a TCP port. */
function putPeers(target: { socketPath: string } | { port: number }, body: string, secret?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      { ...target, host: '127.0.0.1', path: '/peers', method: 'PUT', headers: secret === undefined ? {} : { 'x-drcon-secret': secret } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text.trim() }));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

test('20 changes of members under load, on kept-alive and fresh connections: no failed request, no reload', async () => {
  const lb = await startLb(['-service', 'members']);
  assert.deepEqual(await lb.get(), { status: 503, body: 'no healthy instance of service members' });
  const a = await backend('alpha');
  const b = await backend('beta');
  const c = await backend('gamma');
  const check = { Check: { TTL: '60s', Status: 'passing' } };
  await register('members', 'members-a', a.port, check);
  await register('members', 'members-b', b.port, check);
  await waitFor('alpha and beta served', async () => (await answers(lb, 10)).size === 2);
  const reloadsBefore = await lb.metric(reloads);
  const updatesBefore = await lb.metric(liveUpdates);
  const workersBefore = workerPids(lb.master());
  const url = `http://127.0.0.1:${lb.port}/`;
  const keptAlive = startLoadLoop(url, { keepAlive: true });
  const fresh = startLoadLoop(url);
  const deadPort = await freePort(); // nothing listens there: connections are refused
  let updates = updatesBefore;
  const change = async (what: string, act: () => Promise<unknown>) => {
    await act();
    updates = await waitFor(`live update after ${what}`, async () => {
      const now = await lb.metric(liveUpdates);
      return now > updates && now;
    });
    await sleep(50); // traffic on the new lists
  };
  for (let round = 0; round < 4; round++) {
    const gammaHits = c.hits;
    await change('gamma registered', () => register('members', 'members-c', c.port));
    await waitFor('gamma served', () => c.hits > gammaHits);
    await change('gamma deregistered', () => bed.consul.deregisterService('members-c'));
    await change('beta critical', () => bed.consul.api('PUT', '/v1/agent/check/fail/service:members-b'));
    await change('beta passing', () => bed.consul.api('PUT', '/v1/agent/check/pass/service:members-b'));
    // Retried on the next peer: a connection refused is never a failed request.
    await change(round % 2 === 0 ? 'a dead instance registered' : 'the dead instance removed', () =>
      round % 2 === 0 ? register('members', 'members-dead', deadPort) : bed.consul.deregisterService('members-dead'),
    );
  }
  await sleep(200);
  await keptAlive.stop();
  await fresh.stop();
  assert.equal(updates - updatesBefore, 20, 'one live update per change');
  assert.equal(keptAlive.failed, 0, keptAlive.failures.join('; '));
  assert.equal(fresh.failed, 0, fresh.failures.join('; '));
  assert.ok(keptAlive.ok > 100 && fresh.ok > 100, `requests: ${keptAlive.ok} kept-alive, ${fresh.ok} fresh`);
  assert.ok(keptAlive.reused > keptAlive.ok * 0.9, `${keptAlive.reused} of ${keptAlive.ok} on a reused connection`);
  assert.equal(await lb.metric(reloads), reloadsBefore, 'no reload');
  assert.deepEqual(workerPids(lb.master()), workersBefore, 'the same workers serve');
  console.log(`live: ${keptAlive.ok} kept-alive (${keptAlive.reused} reused) and ${fresh.ok} fresh requests, 0 failed, over 20 changes without a reload`);

  // Weights come from Consul's Service.Weights: 3 to 1.
  const aBefore = a.hits;
  const bBefore = b.hits;
  await change('alpha weighted 3', () => register('members', 'members-a', a.port, { ...check, Weights: { Passing: 3, Warning: 1 } }));
  await answers(lb, 80);
  const [aServed, bServed] = [a.hits - aBefore, b.hits - bBefore];
  assert.ok(aServed > 2 * bServed && bServed > 0, `alpha ${aServed}, beta ${bServed}`);
  assert.equal(await lb.metric(reloads), reloadsBefore, 'still no reload');
});

test('an IPv6 instance is a peer like any other', async (t) => {
  const six = await bed.ipv6Backend('six');
  if (six === undefined) return t.skip('no IPv6 loopback on this machine');
  const lb = await startLb(['-service', 'six']);
  await bed.consul.registerService({ ID: 'six-1', Name: 'six', Address: '::1', Port: six.port });
  await waitFor('served over IPv6', async () => (await lb.get()).body === 'six');
});

test('a peer that fails a try is left out for a while, as Nginx leaves out a failed server', async () => {
  const lb = await startLb(['-service', 'flaky']);
  const good = await backend('flaky-good');
  // Takes each connection and closes it at once: every try on it fails and is retried on the good one.
  let tries = 0;
  const closer = createTcpServer((socket) => {
    tries += 1;
    socket.destroy();
  });
  closer.listen(0, '127.0.0.1');
  await once(closer, 'listening');
  bed.defer(() => new Promise((resolve) => closer.close(resolve)));
  await register('flaky', 'flaky-good', good.port);
  await waitFor('the good one served', async () => (await lb.get()).body === 'flaky-good');
  await register('flaky', 'flaky-closer', (closer.address() as AddressInfo).port);

  // Marks are a worker's own: one connection keeps to one worker.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  bed.defer(async () => agent.destroy());
  const connections = new Set<Socket>();
  agent.on('free', (socket: Socket) => connections.add(socket));
  const get = lbGetter(lb.port, agent);
  const client = { get: async () => (await get()).body };
  await waitFor('the closer tried', async () => {
    assert.equal(await client.get(), 'flaky-good', 'a failed try is retried on the good peer');
    return tries > 0;
  });
  const learned = tries;
  for (let i = 0; i < 40; i++) assert.equal(await client.get(), 'flaky-good');
  assert.equal(tries, learned, 'no more tries of the failing peer (without the mark, about half of 40)');

  // A new member changes the list; the failed one stays out all the same.
  const other = await backend('flaky-other');
  await register('flaky', 'flaky-other', other.port);
  await waitFor('the new member served', async () => (await client.get()) === 'flaky-other');
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) seen.add(await client.get());
  assert.deepEqual([...seen].sort(), ['flaky-good', 'flaky-other']);
  assert.equal(tries, learned, 'no more tries of the failing peer after the list changed');
  assert.equal(connections.size, 1, 'all on one connection, so one worker');
});

test('a new service is a change of structure: exactly one reload, served from its first request', async () => {
  const lb = await startLb([]); // no -service: urlprefix- routes
  const one = await backend('one');
  await register('one', 'one-1', one.port, { Tags: ['urlprefix-/one/'] });
  await waitFor('/one/ served', async () => (await lb.get('/one/')).body === 'one');
  await sleep(300); // the reload for /one/ is behind us
  const reloadsBefore = await lb.metric(reloads);
  const two = await backend('two');
  const seen: string[] = [];
  let polling = true;
  // From before the route exists: a 404 until the reload, then only the backend, never a 503.
  const poller = (async () => {
    while (polling) {
      const { status, body } = await lb.get('/two/');
      if (seen.at(-1) !== `${status} ${body}`) seen.push(`${status} ${body}`);
      await sleep(2);
    }
  })();
  await register('two', 'two-1', two.port, { Tags: ['urlprefix-/two/'] });
  await waitFor('/two/ served', () => seen.includes('200 two'));
  await sleep(500);
  polling = false;
  await poller;
  assert.deepEqual(seen, ['404 no route for this path', '200 two']);
  assert.equal(await lb.metric(reloads), reloadsBefore + 1, 'one reload');
  // Its members change without one.
  const three = await backend('three');
  await register('two', 'two-2', three.port, { Tags: ['urlprefix-/two/'] });
  await waitFor('three served', async () => (await answers(lb, 10, '/two/')).has('three'));
  assert.equal(await lb.metric(reloads), reloadsBefore + 1, 'no reload for a new member');
});

test('the 503 is for no instance only: a backend\'s own 500 reaches the client as it answered it', async () => {
  const lb = await startLb(['-service', 'failing']);
  assert.deepEqual(await lb.get(), { status: 503, body: 'no healthy instance of service failing' });
  const failing = createServer((_request, response) => {
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end('failing-a broke\n');
  });
  failing.listen(0, '127.0.0.1');
  await once(failing, 'listening');
  bed.defer(async () => {
    failing.closeAllConnections();
    failing.close();
  });
  await register('failing', 'failing-a', (failing.address() as AddressInfo).port);
  assert.deepEqual(await waitFor('failing-a asked', async () => {
    const answer = await lb.get('/failing/x');
    return answer.status !== 503 && answer;
  }), { status: 500, body: 'failing-a broke' });
  await bed.consul.deregisterService('failing-a');
  assert.deepEqual(await waitFor('the 503 again', async () => {
    const answer = await lb.get();
    return answer.status === 503 && answer;
  }), { status: 503, body: 'no healthy instance of service failing' });
});

test('the control channel: only on its socket, only with the secret; a broken list is refused and the last good one serves', async () => {
  const lb = await startLb(['-service', 'guarded']);
  const a = await backend('guarded-a');
  await register('guarded', 'guarded-a', a.port);
  await waitFor('served', async () => (await lb.get()).body === 'guarded-a');
  const live = join(lb.dir, 'live');
  assert.equal(statSync(live).mode & 0o777, 0o700, 'only drcon\'s user enters the directory of the socket');
  const socketPath = join(live, 'control.sock');
  const secret = readFileSync(join(live, 'secret'), 'utf8');
  const evil = `generation ${Date.now() * 2}\nupstream guarded guarded\npeer 127.0.0.1 9 1\n`;
  assert.equal((await putPeers({ socketPath }, evil)).status, 403, 'no secret');
  assert.equal((await putPeers({ socketPath }, evil, 'f'.repeat(64))).status, 403, 'a wrong secret');
  // The public listener has no such location: the request is proxied like any other.
  assert.deepEqual(await putPeers({ port: lb.port }, evil, secret), { status: 200, body: 'guarded-a' });
  const broken = await putPeers({ socketPath }, `generation ${Date.now() * 2}\nupstream guarded guarded\npeer 127.0.0.1 99999 1\n`, secret);
  assert.equal(broken.status, 400);
  assert.match(broken.body, /line 3 is not a list item/);
  const older = await putPeers({ socketPath }, 'generation 1\nupstream guarded guarded\npeer 127.0.0.1 9 1\n', secret);
  assert.equal(older.status, 409);
  assert.deepEqual(await answers(lb, 10), new Map([['guarded-a', 10]]), 'the last good list serves');
});

test('lists that did not get through (the control socket gone for a while) are sent again without another change', async () => {
  const lb = await startLb(['-service', 'retried']);
  const a = await backend('retried-a');
  await register('retried', 'retried-a', a.port);
  await waitFor('served', async () => (await lb.get()).body === 'retried-a');
  const reloadsBefore = await lb.metric(reloads);
  const socket = join(lb.dir, 'live', 'control.sock');
  renameSync(socket, `${socket}.away`); // Nginx still listens; drcon cannot reach it by its path
  await sleep(4_500); // drcon's idle connection to it closes (its keep-alive ends after 4 s idle)
  const b = await backend('retried-b');
  await register('retried', 'retried-b', b.port);
  await lb.drcon.waitForOutput(/live peer lists not sent: cannot reach nginx's control socket: ENOENT; nginx keeps the previous ones, trying again/);
  assert.deepEqual(await answers(lb, 10), new Map([['retried-a', 10]]), 'the previous lists serve meanwhile');
  renameSync(`${socket}.away`, socket);
  await lb.drcon.waitForOutput(/live peer lists sent on a later try/);
  await waitFor('retried-b served', async () => (await answers(lb, 10)).has('retried-b'));
  assert.equal(await lb.metric(reloads), reloadsBefore, 'no reload');
});

test('an instance the balancer cannot take (a host name) is left out, named once; the others serve', async () => {
  const lb = await startLb(['-service', 'named']);
  const a = await backend('named-a');
  await register('named', 'named-a', a.port);
  await bed.consul.registerService({ ID: 'named-host', Name: 'named', Address: 'localhost', Port: a.port });
  await lb.drcon.waitForOutput(/upstream named: service "named" instance "named-host": address "localhost" is not an IP address.*left out/);
  await waitFor('served', async () => (await lb.get()).body === 'named-a');
  await register('named', 'named-a', a.port, { Tags: ['again'] }); // another change: no second warning
  await sleep(300);
  assert.equal(lb.drcon.output().match(/instance "named-host"/g)?.length, 1);
});

test('workers killed, then Nginx started again by a new drcon: the lists are there before the first request', async () => {
  const dir = join(root, 'restarted');
  const lb = await startLb(['-service', 'lasting'], dir);
  const a = await backend('lasting-a');
  await register('lasting', 'lasting-a', a.port);
  await waitFor('served', async () => (await lb.get()).body === 'lasting-a');
  const master = lb.master();
  const workers = workerPids(master);
  for (const pid of workers) process.kill(pid, 'SIGKILL');
  await waitFor('new workers', () => {
    const now = workerPids(master);
    return now.length === workers.length && now.every((pid) => !workers.includes(pid));
  });
  assert.deepEqual(await answers(lb, 10), new Map([['lasting-a', 10]]), 'the shared dict outlives its workers');
  assert.equal(await lb.drcon.stop(), 0);

  const again = await startLb(['-service', 'lasting'], dir);
  assert.deepEqual(again.first, { status: 200, body: 'lasting-a' });
});

test('Nginx killed (kill -9 of its master) while members change: drcon starts it again, serving the members of now from its first request', async () => {
  const lb = await startLb(['-service', 'phoenix']);
  const a = await backend('phoenix-a');
  const b = await backend('phoenix-b');
  await register('phoenix', 'phoenix-a', a.port);
  await waitFor('phoenix-a served', async () => (await lb.get()).body === 'phoenix-a');
  const reloadsBefore = await lb.metric(reloads);
  const log = startAnswerLog(lb.get);
  await waitFor('requests served', () => log.count > 10);
  const master = lb.master();
  // Hung workers keep Nginx down until drcon ends them: the members change meanwhile.
  const workers = killMasterWithHungWorkers(master);
  log.mark();
  await bed.consul.deregisterService('phoenix-a');
  await register('phoenix', 'phoenix-b', b.port);
  await waitFor('nginx restarted by drcon', async () => (await lb.metric(restarts)) === 1);
  await waitFor('served again', () => log.sinceMark.includes('200 phoenix-b'));
  await sleep(300);
  await log.stop();
  const { served, unavailable } = log.servedSinceMark();
  assert.deepEqual(unavailable, [], 'no 503 while Nginx was down or starting');
  assert.deepEqual(served, ['200 phoenix-b'], 'only the member of now served');
  console.log(`restarted: ${log.sinceMark.filter((answer) => answer.startsWith('error')).length} requests unanswered while Nginx was down, then ${log.sinceMark.filter((answer) => answer.startsWith('200')).length} served by the member of now`);
  assert.notEqual(lb.master(), master);
  for (const pid of workers) assert.ok(!isAlive(pid), `the dead master's worker ${pid} is gone`);
  assert.equal(lb.drcon.output().match(/restarting it/g)?.length, 1, 'one log line for the restart');
  assert.equal(await lb.metric(reloads), reloadsBefore, 'a restart is no reload');
});

test('drcon lb refuses -upstreams live in one line when its nginx has no Lua module', async () => {
  // A stand-in nginx whose build names an empty modules directory: the real one here has the
  // module, and this is the machine it would not be.
  const bin = mkdtempSync(join(root, 'bin-'));
  writeFileSync(
    join(bin, 'nginx'),
    `#!/bin/sh\nif [ "$1" = -V ]; then echo "configure arguments: --conf-path=/etc/nginx/nginx.conf --modules-path=${bin}/modules" >&2; exit 0; fi\nexec /usr/sbin/nginx "$@"\n`,
    { mode: 0o755 },
  );
  const run = await runDrcon(['lb', '-upstreams', 'live', '-consul-addr', bed.consul.address, '-dir', join(root, 'no-lua'), '-listen', `127.0.0.1:${await freePort()}`], {
    env: { PATH: `${bin}:${process.env['PATH']}` },
  });
  assert.equal(run.code, 2);
  const errors = run.stderr.split('\n').filter((line) => line.startsWith('drcon:'));
  assert.deepEqual(errors, [`drcon: -upstreams live: ${bin}/nginx has no Lua module (no ${bin}/modules/ndk_http_module.so); install libnginx-mod-http-lua and lua-resty-core, or use -upstreams reload`]);
});
