// `drcon lb` end to end: the real CLI running a real Nginx, fed by a real Consul dev agent,
// balancing over real HTTP backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get as httpGet } from 'node:http';
import { once } from 'node:events';
import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { lbGetter, lbTestBed, waitForServing, type LbUnderTest } from '../../harness/lb-test-bed.ts';
import { startDrcon } from '../../harness/drcon.ts';
import { startBackend, type Backend } from '../../harness/backend.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';
import { killMasterWithHungWorkers, nginxSettled, workerPids } from '../../harness/nginx.ts';
import { startAnswerLog } from '../../harness/answer-log.ts';
import { isAlive } from '../../harness/processes.ts';

const bed = lbTestBed('drcon-lb-');
const { root } = bed;

interface Lb extends LbUnderTest {
  master(): number;
  /** Nginx's workers now: pass them to `settled` after the change that follows. */
  workers(): number[];
  /** Every worker serves the configuration of that change: none of `workersBefore` is left. */
  settled(workersBefore: readonly number[]): Promise<void>;
}

async function startLb(service: string, extra: string[] = []): Promise<Lb> {
  const port = await freePort();
  const dir = join(root, `lb-${port}`);
  const drcon = startDrcon(['lb', '-consul-addr', bed.consul.address, '-service', service, '-listen', `127.0.0.1:${port}`, '-dir', dir, '-min-interval', '100ms', ...extra]);
  bed.defer(() => drcon.stop());
  const get = lbGetter(port);
  await waitForServing(drcon, async () => (await get()).status > 0);
  const master = () => Number(readFileSync(join(dir, 'nginx.pid'), 'utf8'));
  const workers = () => workerPids(master());
  const settled = (workersBefore: readonly number[]) => nginxSettled(master(), workersBefore);
  return { drcon, port, dir, get, master, workers, settled };
}

const backend = (name: string): Promise<Backend> => bed.backend(name);

async function register(service: string, id: string, server: Backend, check?: object): Promise<void> {
  await bed.consul.registerService({ ID: id, Name: service, Address: '127.0.0.1', Port: server.port, ...(check ? { Check: check } : {}) });
}

/** Names answering over `count` requests. */
async function answers(lb: Lb, count = 20): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) seen.add((await lb.get()).body);
  return seen;
}

test('503 naming the service with no instance; one, then two instances served; deregistered gets no traffic', async () => {
  const lb = await startLb('simple');
  assert.deepEqual(await lb.get(), { status: 503, body: 'no healthy instance of service simple' });
  const a = await backend('alpha');
  const b = await backend('beta');
  let workers = lb.workers();
  await register('simple', 'simple-a', a);
  await waitFor('alpha served', async () => (await lb.get()).body === 'alpha');
  await lb.settled(workers);
  assert.deepEqual(await answers(lb), new Set(['alpha']));
  workers = lb.workers();
  await register('simple', 'simple-b', b);
  await waitFor('beta served', async () => (await lb.get()).body === 'beta');
  await lb.settled(workers);
  assert.deepEqual(await answers(lb), new Set(['alpha', 'beta']));
  workers = lb.workers();
  await bed.consul.deregisterService('simple-a');
  await waitFor('alpha gone', async () => (await answers(lb, 10)).size === 1);
  await lb.settled(workers);
  const hitsBefore = a.hits;
  assert.deepEqual(await answers(lb), new Set(['beta']));
  assert.equal(a.hits, hitsBefore, 'no request reached the deregistered instance');
});

test('a critical health check takes an instance out; passing puts it back', async () => {
  const lb = await startLb('checked');
  const good = await backend('good');
  const flaky = await backend('flaky');
  await register('checked', 'checked-good', good, { TTL: '60s', Status: 'passing' });
  await register('checked', 'checked-flaky', flaky, { TTL: '60s', Status: 'passing' });
  await waitFor('both served', async () => (await answers(lb, 10)).size === 2);
  const workers = lb.workers();
  await bed.consul.api('PUT', '/v1/agent/check/fail/service:checked-flaky');
  await waitFor('flaky out', async () => (await answers(lb, 10)).size === 1);
  await lb.settled(workers);
  assert.deepEqual(await answers(lb), new Set(['good']));
  await bed.consul.api('PUT', '/v1/agent/check/pass/service:checked-flaky');
  await waitFor('flaky back', async () => (await answers(lb, 10)).size === 2);
});

test('an IPv6 instance is served beside an IPv4 one (a bare IPv6 address would fail nginx -t)', async (t) => {
  const six = await bed.ipv6Backend('six');
  if (six === undefined) return t.skip('no IPv6 loopback on this machine');
  const lb = await startLb('dual');
  await register('dual', 'dual-4', await backend('four'));
  await bed.consul.registerService({ ID: 'dual-6', Name: 'dual', Address: '::1', Port: six.port });
  await waitFor('both served', async () => (await answers(lb, 10)).size === 2);
  assert.match(readFileSync(join(lb.dir, 'conf.d', 'app.conf'), 'utf8'), new RegExp(`server \\[::1\\]:${six.port} weight=1;`));
});

test('a template that fails nginx -t leaves the old config serving', async () => {
  const template = join(root, 'editable.hbs');
  copyFileSync(fileURLToPath(new URL('../../templates/app.conf.hbs', import.meta.url)), template);
  const lb = await startLb('edited', ['-template', template]);
  const a = await backend('steady');
  await register('edited', 'edited-a', a);
  await waitFor('served', async () => (await lb.get()).body === 'steady');
  const good = readFileSync(join(lb.dir, 'conf.d', 'app.conf'), 'utf8');
  writeFileSync(template, readFileSync(template, 'utf8').replace('least_conn;', 'least_conn; no_such_directive on;'));
  await lb.drcon.waitForOutput(/check failed.*unknown directive "no_such_directive"/);
  await lb.drcon.waitForOutput(/previous file restored/);
  assert.equal(readFileSync(join(lb.dir, 'conf.d', 'app.conf'), 'utf8'), good, 'last good app.conf restored');
  assert.deepEqual(await answers(lb, 10), new Set(['steady']));
  const b = await backend('later');
  await register('edited', 'edited-b', b); // a catalog change still renders (and fails the check)
  await sleep(300);
  assert.deepEqual(await answers(lb, 10), new Set(['steady']), 'still the last good config');
});

test('SIGTERM stops Nginx and drcon', async () => {
  const lb = await startLb('stopping');
  const pid = Number(readFileSync(join(lb.dir, 'nginx.pid'), 'utf8'));
  assert.ok(pid > 0);
  assert.equal(await lb.drcon.stop('SIGTERM'), 0);
  await waitFor('nginx master gone', () => !processAlive(pid));
  await assert.rejects(lb.get());
});

test('SIGTERM stops Nginx gracefully: a request in flight is answered in full, then drcon exits 0', async () => {
  const lb = await startLb('graceful');
  // A backend that answers at once until `hold`, then holds its answer until the test lets it
  // go, after drcon got SIGTERM.
  let hold = false;
  let arrived: () => void = () => {};
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  let answer: () => void = () => {};
  const server = createServer((_request, response) => {
    if (!hold) return void response.end('ready\n');
    arrived();
    answer = () => response.end('slow but whole\n');
  });
  const port = await freePort();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  bed.defer(() => new Promise((resolve) => server.close(resolve)));
  const workers = lb.workers();
  await bed.consul.registerService({ ID: 'graceful-1', Name: 'graceful', Address: '127.0.0.1', Port: port });
  await waitFor('the instance served', async () => (await getFresh(lb.port)).body === 'ready');
  // An old worker, still accepting during the reload, would answer the next request itself.
  await lb.settled(workers);
  hold = true;

  const inFlight = getFresh(lb.port);
  // Answered without reaching the backend would leave requestArrived pending for ever: say so.
  const answeredFirst = await Promise.race([requestArrived.then(() => undefined), inFlight]);
  assert.equal(answeredFirst, undefined, `answered before the backend had the request: ${JSON.stringify(answeredFirst)}`);
  const stopped = lb.drcon.stop('SIGTERM');
  await lb.drcon.waitForOutput(/stopping signal=SIGTERM child=SIGQUIT/);
  answer();
  assert.deepEqual(await inFlight, { status: 200, body: 'slow but whole' });
  assert.equal(await stopped, 0);
});

test('churn: zero failed requests while instances come and go', async () => {
  const lb = await startLb('churn');
  const stable = await backend('stable');
  await register('churn', 'churn-stable', stable);
  await waitFor('stable served', async () => (await lb.get()).body === 'stable');
  let ok = 0;
  let failed = 0;
  const failures: string[] = [];
  let running = true;
  // Like the seed's `while true; do curl lb; done`: a new connection per request. (A kept-alive
  // connection that an old worker closes on reload can race a request sent on it; clients retry
  // those themselves, and that race is HTTP/1.1's, not the balancer's.)
  const client = (async () => {
    while (running) {
      try {
        const { status, body } = await getFresh(lb.port);
        if (status === 200) ok++;
        else (failed++, failures.push(`${status} ${body}`));
      } catch (error) {
        failed++;
        failures.push((error as Error).message);
      }
    }
  })();
  for (let round = 0; round < 10; round++) {
    const extra = await startBackend(`extra-${round}`);
    await register('churn', 'churn-extra', extra);
    await waitFor('extra served', () => extra.hits > 0);
    await bed.consul.deregisterService('churn-extra');
    // Stop it only once Nginx no longer sends it traffic: min-interval + reload time.
    await sleep(400);
    await extra.close();
  }
  await waitFor('3000 requests', () => ok + failed >= 3000, { timeoutMs: 60_000 });
  running = false;
  await client;
  console.log(`churn: ${ok} requests ok, ${failed} failed over 10 add/remove rounds`);
  assert.equal(failed, 0, failures.slice(0, 5).join('; '));
  assert.ok(ok >= 3000);
});

function getFresh(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: body.trim() }));
    });
    request.on('error', reject);
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]?.startsWith('Z');
  } catch {
    return false;
  }
}


test('Consul weights and the down tag reach Nginx: weight 3 gets three times the requests of weight 1, down none', async () => {
  const [heavy, light, off] = [await backend('heavy'), await backend('light'), await backend('off')];
  const at = (server: Backend) => ({ Address: '127.0.0.1', Port: server.port });
  // All registered before the balancer starts: its first configuration is the one measured.
  await bed.consul.registerService({ ID: 'weighted-heavy', Name: 'weighted', ...at(heavy), Weights: { Passing: 3, Warning: 1 } });
  await bed.consul.registerService({ ID: 'weighted-light', Name: 'weighted', ...at(light), Weights: { Passing: 1, Warning: 1 } });
  await bed.consul.registerService({ ID: 'weighted-off', Name: 'weighted', ...at(off), Tags: ['down'] });
  const lb = await startLb('weighted');
  await waitFor('both weighted instances served', async () => (await answers(lb, 8)).size === 2);
  assert.match(readFileSync(join(lb.dir, 'conf.d', 'app.conf'), 'utf8'), new RegExp(`:${off.port} weight=1 down;`));
  const [heavyBefore, lightBefore] = [heavy.hits, light.hits];
  const requests = 200;
  for (let i = 0; i < requests; i++) assert.equal((await lb.get()).status, 200);
  const [heavyHits, lightHits] = [heavy.hits - heavyBefore, light.hits - lightBefore];
  assert.equal(heavyHits + lightHits, requests);
  // Each Nginx worker keeps its own round, so the split is 3:1 give or take a few requests.
  assert.ok(Math.abs(heavyHits - 150) <= 15, `weight 3 got ${heavyHits} of ${requests}, weight 1 got ${lightHits}`);
  assert.equal(off.hits, 0);
});

test('Nginx killed (kill -9 of its master) while an instance comes: drcon starts it again with the config of now', async () => {
  const statusPort = await freePort();
  const lb = await startLb('revived', ['-status-addr', `127.0.0.1:${statusPort}`]);
  const a = await backend('revived-a');
  const b = await backend('revived-b');
  await register('revived', 'revived-a', a);
  await waitFor('revived-a served', async () => (await lb.get()).body === 'revived-a');
  const log = startAnswerLog(lb.get);
  await waitFor('requests served', () => log.count > 10);
  const master = lb.master();
  // Hung workers keep Nginx down until drcon ends them: only a config rendered meanwhile has the new instance.
  const workers = killMasterWithHungWorkers(master);
  log.mark();
  await bed.consul.deregisterService('revived-a');
  await register('revived', 'revived-b', b);
  const restarts = async () => Number(/^drcon_nginx_restarts_total (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text())?.[1]);
  await waitFor('nginx restarted by drcon', async () => (await restarts()) === 1);
  await waitFor('served again', () => log.sinceMark.includes('200 revived-b'));
  await sleep(300);
  await log.stop();
  const { served, unavailable } = log.servedSinceMark();
  assert.deepEqual(unavailable, [], 'no 503');
  assert.deepEqual(served, ['200 revived-b']);
  assert.notEqual(lb.master(), master);
  for (const pid of workers) assert.ok(!isAlive(pid), `the dead master's worker ${pid} is gone`);
});

test('Nginx that keeps dying: drcon starts it again a bounded number of times, then exits non-zero', async () => {
  const lb = await startLb('doomed');
  // Each new master is killed as soon as it has written its pid file: five restarts, then drcon gives up.
  let killed = 0;
  let last = 0;
  await waitFor('drcon to give up', () => {
    if (lb.drcon.process.exitCode !== null) return true;
    try {
      const master = lb.master();
      if (master !== last && isAlive(master)) {
        process.kill(master, 'SIGKILL');
        last = master;
        killed += 1;
      }
    } catch {
      // between a master's death and the next one's pid file
    }
    return false;
  }, { timeoutMs: 20_000, intervalMs: 10 });
  assert.equal(killed, 6, 'the first Nginx and five restarts');
  assert.equal(lb.drcon.process.exitCode, 137, 'the status of the last Nginx (SIGKILL)');
  assert.equal(lb.drcon.output().match(/restarting it/g)?.length, 5);
  assert.match(lb.drcon.output(), /child exited unasked after 5 restarts in a row; stopping/);
});
