// `drcon lb` end to end: the real CLI running a real Nginx, fed by a real Consul dev agent,
// balancing over real HTTP backends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { startBackend, type Backend } from '../../harness/backend.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';
import { nginxSettled, workerPids } from '../../harness/nginx.ts';

let consul: ConsulAgent;
const cleanups: (() => Promise<unknown>)[] = [];
const root = mkdtempSync(join(tmpdir(), 'drcon-lb-'));
chmodSync(root, 0o711); // Nginx workers (another user when run as root) pass through it

before(async () => {
  consul = await startConsul();
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await consul?.stop();
});

interface Lb {
  drcon: RunningDrcon;
  port: number;
  dir: string;
  get(path?: string): Promise<{ status: number; body: string }>;
  /** Waits until only workers of the newest Nginx configuration serve. */
  /** Nginx's workers now: pass them to `settled` after the change that follows. */
  workers(): number[];
  /** Every worker serves the configuration of that change: none of `workersBefore` is left. */
  settled(workersBefore: readonly number[]): Promise<void>;
}

async function startLb(service: string, extra: string[] = []): Promise<Lb> {
  const port = await freePort();
  const dir = join(root, `lb-${port}`);
  const drcon = startDrcon(['lb', '-consul-addr', consul.address, '-service', service, '-listen', `127.0.0.1:${port}`, '-dir', dir, '-min-interval', '100ms', ...extra]);
  cleanups.push(() => drcon.stop());
  const get = async (path = '/') => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: (await response.text()).trim() };
  };
  await waitFor('nginx serving', async () => (await get()).status > 0);
  const master = () => Number(readFileSync(join(dir, 'nginx.pid'), 'utf8'));
  const workers = () => workerPids(master());
  const settled = (workersBefore: readonly number[]) => nginxSettled(master(), workersBefore);
  return { drcon, port, dir, get, workers, settled };
}

async function backend(name: string): Promise<Backend> {
  const server = await startBackend(name);
  cleanups.push(() => server.close());
  return server;
}

async function register(service: string, id: string, server: Backend, check?: object): Promise<void> {
  await consul.registerService({ ID: id, Name: service, Address: '127.0.0.1', Port: server.port, ...(check ? { Check: check } : {}) });
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
  await consul.deregisterService('simple-a');
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
  await consul.api('PUT', '/v1/agent/check/fail/service:checked-flaky');
  await waitFor('flaky out', async () => (await answers(lb, 10)).size === 1);
  await lb.settled(workers);
  assert.deepEqual(await answers(lb), new Set(['good']));
  await consul.api('PUT', '/v1/agent/check/pass/service:checked-flaky');
  await waitFor('flaky back', async () => (await answers(lb, 10)).size === 2);
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
    await consul.deregisterService('churn-extra');
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

