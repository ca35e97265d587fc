// The status wiring in process: runTemplates with a status server against a real Consul agent,
// checked over HTTP as a scraper and a health check would see it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { waitFor } from '../../harness/wait.ts';
import { createLogger } from '../../src/log/logger.ts';
import { shellAction } from '../../src/runner/action.ts';
import { runTemplates, type TemplateJobSpec } from '../../src/engine/run-templates.ts';
import { mergeSettings } from '../../src/config/settings.ts';

const token = 'tok-7f3a-never-shown';
let consul: ConsulAgent;
const dir = mkdtempSync(join(tmpdir(), 'drcon-status-'));
const engines: (() => Promise<void>)[] = [];

before(async () => {
  consul = await startConsul();
  await consul.registerService({ ID: 'web-1', Name: 'web', Address: '10.9.8.7', Port: 8443 });
  await consul.putKey('secret/value', 'catalog-secret-value');
});
after(async () => {
  for (const stop of engines) await stop();
  await consul?.stop();
});

interface Engine {
  url: string;
  logs: string[];
  get(path: string, method?: string): Promise<{ status: number; type: string | null; body: string }>;
}

async function startEngine(name: string, source: string, job: Partial<TemplateJobSpec> = {}, nginx = false): Promise<Engine> {
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', secrets: [token], write: (line) => logs.push(line) });
  const template = join(dir, `${name}.hbs`);
  writeFileSync(template, source);
  let stop: (status: number) => void = () => {};
  const finished = runTemplates({
    settings: mergeSettings({ consulAddresses: [consul.address], token, blockingWaitMs: 10_000, maxStaleMs: 2_000, minIntervalMs: 0 }),
    jobs: [{ source: template, destination: join(dir, `${name}.out`), ...job }],
    logger,
    status: { address: { host: '127.0.0.1', port: 0 }, required: true, nginx },
    until: new Promise<number>((resolve) => (stop = resolve)),
    handleStopSignals: false,
  });
  engines.push(async () => {
    stop(0);
    await finished;
  });
  const address = await waitFor('status server address', () => {
    const line = logs.map((text) => JSON.parse(text) as { msg: string; address?: string }).find((entry) => entry.msg === 'status server listening');
    return line?.address;
  });
  const url = `http://${address}`;
  const get = async (path: string, method = 'GET') => {
    const response = await fetch(url + path, { method });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
  };
  return { url, logs, get };
}

/** The value of one series in Prometheus text, e.g. metric(text, 'drcon_watches'). */
function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('health turns 200 after the first render; metrics count it; neither shows a token or catalog value', async () => {
  const touch = join(dir, 'command-ran');
  const engine = await startEngine('web', '{{#each (service "web")}}server {{Address}}:{{Port}};{{/each}} {{key "secret/value"}}\n', {
    check: shellAction('true', 5_000, createLogger({ write: () => {} })),
    command: shellAction(`touch '${touch}'`, 5_000, createLogger({ write: () => {} })),
  });
  const health = await waitFor('healthy', async () => {
    const answer = await engine.get('/health');
    return answer.status === 200 ? answer : undefined;
  });
  assert.equal(health.type, 'application/json');
  const report = JSON.parse(health.body);
  assert.equal(report.healthy, true);
  assert.deepEqual(report.checks, { dataComplete: true, consulReachable: true, lastRunSucceeded: true });
  assert.equal(report.watches, 2);
  assert.deepEqual(report.templates[0].dependencies.sort(), ['health.service(web|passing)', 'kv.key(secret/value)']);
  assert.match(report.templates[0].lastRenderAt, /^\d{4}-\d\d-\d\dT/);

  const metrics = await engine.get('/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.type!, /^text\/plain/);
  const template = join(dir, 'web.hbs');
  assert.ok(metric(metrics.body, `drcon_renders_total{template="${template}"}`)! >= 1, metrics.body);
  assert.equal(metric(metrics.body, `drcon_render_errors_total{template="${template}"}`), 0);
  assert.equal(metric(metrics.body, `drcon_commands_total{template="${template}",kind="check",result="ok"}`), 1);
  assert.equal(metric(metrics.body, `drcon_commands_total{template="${template}",kind="command",result="ok"}`), 1);
  assert.equal(metric(metrics.body, `drcon_command_duration_seconds_count{template="${template}",kind="command"}`), 1);
  assert.ok(metric(metrics.body, 'drcon_consul_requests_total{endpoint="/v1/health/service",code="200"}')! >= 1);
  assert.ok(metric(metrics.body, 'drcon_consul_requests_total{endpoint="/v1/kv",code="200"}')! >= 1);
  assert.equal(metric(metrics.body, 'drcon_consul_request_errors_total'), 0);
  assert.equal(metric(metrics.body, 'drcon_watches'), 2);
  assert.ok(metric(metrics.body, `drcon_last_success_timestamp_seconds{template="${template}"}`)! > 1e9);
  assert.ok(metric(metrics.body, 'process_cpu_user_seconds_total')! > 0, 'default process metrics');
  assert.equal(metric(metrics.body, 'drcon_nginx_reloads_total{result="ok"}'), undefined, 'no Nginx metrics outside lb');
  for (const secret of [token, '10.9.8.7', 'catalog-secret-value', 'secret/value', 'touch']) {
    assert.ok(!metrics.body.includes(secret), `metrics show ${secret}`);
  }
  assert.ok(!health.body.includes(token) && !health.body.includes('catalog-secret-value'));

  assert.equal((await engine.get('/nope')).status, 404);
  assert.equal((await engine.get('/health', 'POST')).status, 404);
});

test('logs changes by what changed, not by value', async () => {
  await consul.putKey('cfg/a', 'value-one');
  const engine = await startEngine('changes', '{{#each (service "web")}}{{Address}} {{/each}}{{#each (ls "cfg")}}{{Key}}={{Value}} {{/each}}\n');
  await waitFor('first data', () => engine.logs.some((line) => line.includes('kv.list(cfg/): first data, 1 entry')));
  await consul.registerService({ ID: 'web-2', Name: 'web', Address: '10.9.8.8', Port: 8443 });
  await consul.putKey('cfg/a', 'value-two');
  await consul.putKey('cfg/b', 'value-three');
  const messages = () => engine.logs.map((line) => JSON.parse(line) as { level: string; msg: string }).filter((entry) => entry.level === 'info').map((entry) => entry.msg);
  await waitFor('service change logged', () => messages().includes('health.service(web|passing): +10.9.8.8:8443'));
  // The two KV writes may arrive as one change ("+b, ~a") or as two ("~a", then "+b").
  await waitFor('KV changes logged', () => {
    const lines = messages().filter((msg) => msg.startsWith('kv.list(cfg/): '));
    return lines.includes('kv.list(cfg/): +b, ~a') || (lines.includes('kv.list(cfg/): ~a') && lines.includes('kv.list(cfg/): +b'));
  });
  assert.ok(!engine.logs.join('\n').includes('value-two'), 'a KV value in the change log');
  await consul.deregisterService('web-2');
});

test('a failing check turns health 503 and shows in the Nginx metrics of lb', async () => {
  const quiet = createLogger({ write: () => {} });
  const engine = await startEngine('checked', 'upstream {{#each (service "web")}}{{Port}}{{/each}}\n', {
    check: shellAction('echo "[emerg] bad config" >&2; exit 1', 5_000, quiet),
    command: shellAction('true', 5_000, quiet),
  }, true);
  const report = await waitFor('check failure in health', async () => {
    const answer = await engine.get('/health');
    const body = JSON.parse(answer.body);
    return answer.status === 503 && body.checks.lastRunSucceeded === false ? body : undefined;
  });
  assert.match(report.problems.join('\n'), /template .*checked\.hbs: check failed: check failed: exited with 1: \[emerg\] bad config/);
  assert.equal(report.checks.consulReachable, true);
  const metrics = (await engine.get('/metrics')).body;
  assert.equal(metric(metrics, 'drcon_nginx_check_failures_total'), 1);
  assert.equal(metric(metrics, 'drcon_nginx_reloads_total{result="ok"}'), 0, 'a failed check stops the reload');
  assert.equal(metric(metrics, `drcon_commands_total{template="${join(dir, 'checked.hbs')}",kind="check",result="failed"}`), 1);
});

test('a default address that is taken costs a warning, not the run', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  after(() => taken.close());
  const { port } = taken.address() as AddressInfo;
  const logs: string[] = [];
  const out = join(dir, 'best-effort.out');
  writeFileSync(join(dir, 'best-effort.hbs'), 'ok\n');
  let stop: (status: number) => void = () => {};
  const finished = runTemplates({
    settings: mergeSettings({ consulAddresses: [consul.address], blockingWaitMs: 10_000, maxStaleMs: 2_000, minIntervalMs: 0 }),
    jobs: [{ source: join(dir, 'best-effort.hbs'), destination: out }],
    logger: createLogger({ write: (line) => logs.push(line) }),
    status: { address: { host: '127.0.0.1', port }, required: false },
    until: new Promise<number>((resolve) => (stop = resolve)),
    handleStopSignals: false,
  });
  await waitFor('rendered without a status server', () => existsSync(out));
  stop(0);
  assert.equal(await finished, 0);
  assert.match(logs.join('\n'), new RegExp(`WARN  status server: cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use; running without it`));
});
