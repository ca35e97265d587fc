// A real Consul with ACLs on and everything denied by default: drcon works with a token that may
// read only what its template needs (from CONSUL_HTTP_TOKEN or -token-file), says "permission
// denied" naming the query when it has no token or a bad one, and never prints a token anywhere:
// not on stdout or stderr at trace level, not in /health or /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { runDrcon, startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { freePort } from '../../harness/ports.ts';

const managementToken = randomUUID();
const dir = mkdtempSync(join(tmpdir(), 'drcon-acl-'));
const running: RunningDrcon[] = [];
let consul: ConsulAgent;
/** May read services, nodes and keys under app/ — all the template needs, nothing more. */
let readToken: string;

const source = join(dir, 'app.hbs');
writeFileSync(source, '{{#each (service "web")}}server {{Address}}:{{Port}};{{/each}} greeting={{key "app/greeting"}}\n');
const expected = 'server 10.0.0.1:8080; greeting=hello\n';

before(async () => {
  consul = await startConsul({
    headers: { 'X-Consul-Token': managementToken },
    // consul 1.8 names the management token `master` (later versions: initial_management).
    config: { 'acl.json': JSON.stringify({ acl: { enabled: true, default_policy: 'deny', tokens: { master: managementToken, agent: managementToken } } }) },
  });
  await consul.registerService({ ID: 'web-1', Name: 'web', Address: '10.0.0.1', Port: 8080 });
  await consul.putKey('app/greeting', 'hello');
  await consul.putKey('secret/password', 'hunter2');
  await consul.api('PUT', '/v1/acl/policy', {
    Name: 'drcon-read',
    Rules: 'service_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }\nkey_prefix "app/" { policy = "read" }\n',
  });
  const token = (await consul.api('PUT', '/v1/acl/token', { Description: 'drcon', Policies: [{ Name: 'drcon-read' }] })) as { SecretID: string };
  readToken = token.SecretID;
});
after(async () => {
  await Promise.all(running.map((drcon) => drcon.stop()));
  await consul?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function watch(args: string[], env: NodeJS.ProcessEnv = {}): RunningDrcon {
  const drcon = startDrcon(['render', '-consul-addr', consul.address, '-log-level', 'trace', ...args], { env });
  running.push(drcon);
  return drcon;
}

function assertNoToken(text: string, token: string, where: string): void {
  assert.ok(!text.includes(token), `the token appears in ${where}`);
  // Nor a recognisable piece of it (a token cut short by a length limit is still a leak).
  assert.ok(!text.includes(token.slice(0, 13)), `part of the token appears in ${where}`);
}

test('a read-only token from CONSUL_HTTP_TOKEN renders; the token is in no log line, /health or /metrics', async () => {
  const destination = join(dir, 'env.out');
  const statusPort = await freePort();
  const drcon = watch(['-template', `${source}:${destination}`, '-status-addr', `127.0.0.1:${statusPort}`], { CONSUL_HTTP_TOKEN: readToken });
  await drcon.waitForOutput(/INFO  rendered/);
  assert.equal(readFileSync(destination, 'utf8'), expected);
  const health = await (await fetch(`http://127.0.0.1:${statusPort}/health`)).text();
  const metrics = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
  assert.match(health, /"healthy":\s*true/);
  assert.match(metrics, /drcon_/);
  await drcon.stop();
  assert.match(drcon.output(), /TRACE /, 'trace lines were written');
  assert.match(drcon.output(), /token=set/);
  assertNoToken(drcon.output(), readToken, 'the output');
  assertNoToken(health, readToken, '/health');
  assertNoToken(metrics, readToken, '/metrics');
});

test('-token-file renders with the token read from the file', async () => {
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${readToken}\n`, { mode: 0o600 });
  const destination = join(dir, 'file.out');
  const run = await runDrcon(['render', '-once', '-consul-addr', consul.address, '-log-level', 'trace', '-token-file', tokenFile, '-template', `${source}:${destination}`]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(destination, 'utf8'), expected);
  assertNoToken(run.stdout + run.stderr, readToken, 'the output');
});

test('no token: permission denied for the key, named in one line; nothing written', async () => {
  const destination = join(dir, 'anonymous.out');
  const drcon = watch(['-template', `${source}:${destination}`]);
  await drcon.waitForOutput(/WARN  Consul query failed; retrying/);
  await drcon.stop();
  const denied = drcon.output().split('\n').filter((line) => /WARN .*permission denied/.test(line));
  // Consul 1.8 answers a service query it may not show with an empty list (it filters rather
  // than refuses), so only the key query can report the denial; the render waits for it.
  assert.equal(denied.length, 1, drcon.output());
  assert.match(denied[0]!, /dependency=kv\.key\(app\/greeting\)/);
  assert.match(denied[0]!, /GET \/v1\/kv\/app\/greeting: permission denied by Consul ACLs \(403 Permission denied\)/);
  assert.throws(() => readFileSync(destination), { code: 'ENOENT' });
});

test('a token without access to a key: permission denied naming that key only', async () => {
  const other = join(dir, 'secret.hbs');
  writeFileSync(other, 'greeting={{key "app/greeting"}} password={{key "secret/password"}}\n');
  const drcon = watch(['-template', `${other}:${join(dir, 'secret.out')}`], { CONSUL_HTTP_TOKEN: readToken });
  await drcon.waitForOutput(/permission denied/);
  await drcon.stop();
  const denied = drcon.output().split('\n').filter((line) => /permission denied/.test(line) && !/TRACE|DEBUG/.test(line));
  assert.equal(denied.length, 1, drcon.output());
  assert.match(denied[0]!, /dependency=kv\.key\(secret\/password\)/);
  assertNoToken(drcon.output(), readToken, 'the output');
});

test('an unknown token: permission denied for every query, one line each; the bad token is not printed either', async () => {
  const badToken = randomUUID();
  const destination = join(dir, 'bad.out');
  const statusPort = await freePort();
  const drcon = watch(['-template', `${source}:${destination}`, '-status-addr', `127.0.0.1:${statusPort}`], { CONSUL_HTTP_TOKEN: badToken });
  await drcon.waitForOutput(/kv\.key\(app\/greeting\).*permission denied|permission denied.*kv\.key\(app\/greeting\)/);
  await drcon.waitForOutput(/health\.service\(web\|passing\).*permission denied|permission denied.*health\.service\(web\|passing\)/);
  // The failing watches are reported on /health, with the reason and without the token.
  const health = await fetch(`http://127.0.0.1:${statusPort}/health`);
  const report = await health.text();
  const metrics = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
  await drcon.stop();
  assert.equal(health.status, 503);
  assert.match(report, /permission denied by Consul ACLs/);
  assertNoToken(report, badToken, '/health');
  assertNoToken(metrics, badToken, '/metrics');
  const denied = drcon.output().split('\n').filter((line) => /WARN .*permission denied by Consul ACLs \(403 ACL not found\)/.test(line));
  assert.equal(denied.length, 2, drcon.output());
  assertNoToken(drcon.output(), badToken, 'the output');
  assert.throws(() => readFileSync(destination), { code: 'ENOENT' });
});

test('-once with an unknown token gives up after -consul-retry-attempts: exit 1, the denied query named, nothing written', async () => {
  const badToken = randomUUID();
  const destination = join(dir, 'once-denied.out');
  const run = await runDrcon(
    ['render', '-once', '-consul-addr', consul.address, '-consul-retry-attempts', '3', '-template', `${source}:${destination}`],
    { env: { CONSUL_HTTP_TOKEN: badToken } },
  );
  assert.equal(run.code, 1, run.stderr);
  const givenUp = run.stderr.split('\n').filter((line) => /ERROR giving up/.test(line));
  assert.equal(givenUp.length, 1, run.stderr);
  assert.match(givenUp[0]!, /a Consul query failed 3 times in a row .*permission denied by Consul ACLs/);
  assertNoToken(run.stderr + run.stdout, badToken, 'the output');
  assert.throws(() => readFileSync(destination), { code: 'ENOENT' });
});
