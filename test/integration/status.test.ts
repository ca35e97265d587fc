// drcon's status server end to end: the real CLI with -status-addr against a real Consul agent
// that goes away and comes back, and drcon lb's Nginx metrics with a real Nginx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { runDrcon, startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';

let consul: ConsulAgent;
const running: RunningDrcon[] = [];
const dir = mkdtempSync(join(tmpdir(), 'drcon-status-'));
chmodSync(dir, 0o711); // Nginx workers (another user when run as root) pass through it
const token = 'tok-2b9e-not-for-logs';

before(async () => {
  consul = await startConsul();
});
after(async () => {
  await Promise.all(running.map((d) => d.stop()));
  await consul?.stop();
});

interface Health {
  status: number;
  body: { healthy: boolean; problems: string[]; checks: Record<string, boolean>; templates: { name: string; lastRenderAt: string | null; dependencies: string[] }[] };
}

async function health(port: number): Promise<Health> {
  const response = await fetch(`http://127.0.0.1:${port}/health`);
  return { status: response.status, body: await response.json() as Health['body'] };
}

async function metrics(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  return response.text();
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('render: /health follows Consul going away and coming back; /metrics counts renders', async () => {
  await consul.registerService({ ID: 'simple-1', Name: 'simple', Address: '10.0.0.4', Port: 8080 });
  const source = join(dir, 'simple.hbs');
  writeFileSync(source, '{{#each (service "simple")}}server {{Address}}:{{Port}};{{else}}server 127.0.0.1:65535;{{/each}}\n');
  const port = await freePort();
  const drcon = startDrcon(['render', '-consul-addr', consul.address, '-template', `${source}:${join(dir, 'simple.conf')}`, '-status-addr', `127.0.0.1:${port}`], { env: { CONSUL_HTTP_TOKEN: token } });
  running.push(drcon);

  const healthy = await waitFor('healthy after the first render', async () => {
    const answer = await health(port);
    return answer.status === 200 ? answer : undefined;
  });
  assert.deepEqual(healthy.body.checks, { dataComplete: true, consulReachable: true, lastRunSucceeded: true });
  assert.deepEqual(healthy.body.templates[0]!.dependencies, ['health.service(simple|passing)']);
  assert.ok(healthy.body.templates[0]!.lastRenderAt);

  await consul.registerService({ ID: 'simple-2', Name: 'simple', Address: '10.0.0.5', Port: 8080 });
  await drcon.waitForOutput(/INFO +health\.service\(simple\|passing\): \+10\.0\.0\.5:8080\n/);

  await consul.stop();
  const down = await waitFor('unhealthy with Consul gone', async () => {
    const answer = await health(port);
    return answer.status === 503 && answer.body.checks.consulReachable === false ? answer : undefined;
  });
  assert.match(down.body.problems.join('\n'), /^consul unreachable since /m);
  assert.match(await metrics(port), /^drcon_consul_request_errors_total [1-9]/m);

  await consul.restart(); // comes back empty: the template renders its fallback
  await waitFor('healthy again', async () => (await health(port)).status === 200);
  await drcon.waitForOutput(/health\.service\(simple\|passing\): -10\.0\.0\.4:8080, -10\.0\.0\.5:8080/);

  const text = await metrics(port);
  assert.ok(value(text, `drcon_renders_total{template="${source}"}`)! >= 2, text);
  assert.equal(value(text, `drcon_render_errors_total{template="${source}"}`), 0);
  assert.equal(value(text, 'drcon_watches'), 1);
  assert.ok(value(text, 'drcon_consul_requests_total{endpoint="/v1/health/service",code="200"}')! >= 2);
  assert.ok(value(text, `drcon_last_success_timestamp_seconds{template="${source}"}`)! > Date.now() / 1000 - 600);
  for (const name of ['drcon_commands_total', 'drcon_command_duration_seconds', 'process_resident_memory_bytes']) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.ok(!text.includes(token) && !text.includes('10.0.0.'), 'no token or catalog value in metrics');

  const output = drcon.output();
  assert.match(output, /INFO +settings consul=127\.0\.0\.1:\d+ token=set /, 'effective settings at startup');
  assert.match(output, /status server listening address=127\.0\.0\.1:\d+/);
  assert.ok(!output.includes(token), 'token in the log');
});

test('an address given but taken fails the start with one line', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  after(() => taken.close());
  const { port } = taken.address() as AddressInfo;
  const run = await runDrcon(['render', '-consul-addr', consul.address, '-template', `${join(dir, 'simple.hbs')}:${join(dir, 'taken.conf')}`, '-status-addr', `127.0.0.1:${port}`]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(`^drcon: status server: cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use$`, 'm'));
});

test('a malformed -status-addr or STATUS_ADDR is a usage error', async () => {
  const bad = await runDrcon(['render', '-template', 'a:b', '-status-addr', '9600']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^drcon: -status-addr: invalid address "9600": not HOST:PORT/);
  const badEnv = await runDrcon(['render', '-template', 'a:b'], { env: { STATUS_ADDR: 'nowhere' } });
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.stderr, /^drcon: STATUS_ADDR: invalid address/);
});

test('lb: /health turns 200 once Nginx serves the rendered config; /metrics has the Nginx counters', async () => {
  const [listen, status] = [await freePort(), await freePort()];
  const drcon = startDrcon(['lb', '-consul-addr', consul.address, '-service', 'lbsvc', '-listen', `127.0.0.1:${listen}`, '-dir', join(dir, 'lb'), '-status-addr', `127.0.0.1:${status}`]);
  running.push(drcon);
  await waitFor('lb healthy', async () => (await health(status)).status === 200);
  const text = await metrics(status);
  assert.equal(value(text, 'drcon_nginx_check_failures_total'), 0);
  assert.ok(value(text, 'drcon_nginx_reloads_total{result="ok"}')! >= 1, text);
  assert.equal(value(text, 'drcon_nginx_reloads_total{result="failed"}'), 0);
  assert.match(drcon.output(), /INFO +settings .*services=lbsvc .*status=127\.0\.0\.1:\d+/);
});
