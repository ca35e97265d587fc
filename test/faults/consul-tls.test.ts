// A real Consul serving its API over HTTPS with a certificate from a CA made for the test: drcon
// verifies it with -ca-file or CONSUL_CACERT, says in one line that it cannot verify it without
// the CA, and skips verification only when told to (-insecure-skip-verify), with a warning.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { runDrcon, startDrcon } from '../../harness/drcon.ts';
import { freePort } from '../../harness/ports.ts';

const dir = mkdtempSync(join(tmpdir(), 'drcon-tls-'));
const ca = join(dir, 'consul-agent-ca.pem');
const source = join(dir, 'app.hbs');
writeFileSync(source, '{{#each (service "web")}}server {{Address}}:{{Port}};{{/each}}\n');
const expected = 'server 10.0.0.1:8080;\n';
let consul: ConsulAgent;
let https: string;

before(async () => {
  // Consul's own tooling: a CA, and a server certificate it signed, valid for 127.0.0.1.
  execFileSync('consul', ['tls', 'ca', 'create'], { cwd: dir, stdio: 'ignore' });
  execFileSync('consul', ['tls', 'cert', 'create', '-server'], { cwd: dir, stdio: 'ignore' });
  const port = await freePort();
  consul = await startConsul({
    config: {
      'tls.json': JSON.stringify({
        ports: { https: port },
        ca_file: ca,
        cert_file: join(dir, 'dc1-server-consul-0.pem'),
        key_file: join(dir, 'dc1-server-consul-0-key.pem'),
      }),
    },
  });
  https = `https://127.0.0.1:${port}`;
  await consul.registerService({ ID: 'web-1', Name: 'web', Address: '10.0.0.1', Port: 8080 });
});
after(async () => {
  await consul?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const render = (destination: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runDrcon(['render', '-once', '-consul-addr', https, '-template', `${source}:${destination}`, ...args], { env });

test('-ca-file verifies the agent', async () => {
  const destination = join(dir, 'flag.out');
  const run = await render(destination, ['-ca-file', ca]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(destination, 'utf8'), expected);
  assert.doesNotMatch(run.stderr, /WARN/);
});

test('CONSUL_CACERT (with CONSUL_HTTP_ADDR) verifies the agent', async () => {
  const destination = join(dir, 'env.out');
  const run = await runDrcon(['render', '-once', '-template', `${source}:${destination}`], { env: { CONSUL_HTTP_ADDR: https, CONSUL_CACERT: ca } });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(destination, 'utf8'), expected);
});

test('without the CA: one line saying the certificate cannot be verified; nothing written', async () => {
  const destination = join(dir, 'unverified.out');
  const drcon = startDrcon(['render', '-consul-addr', https, '-template', `${source}:${destination}`]);
  try {
    await drcon.waitForOutput(/WARN  Consul query failed/);
  } finally {
    await drcon.stop();
  }
  const lines = drcon.output().split('\n').filter((line) => /certificate/i.test(line));
  assert.equal(lines.length, 1, drcon.output());
  assert.match(lines[0]!, /cannot reach Consul at https:\/\/127\.0\.0\.1:\d+: .*certificate.*-ca-file/);
  assert.throws(() => readFileSync(destination), { code: 'ENOENT' });
});

test('-insecure-skip-verify, and only it, skips verification: with one warning line', async () => {
  const destination = join(dir, 'insecure.out');
  const run = await render(destination, ['-insecure-skip-verify']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(destination, 'utf8'), expected);
  const warnings = run.stderr.split('\n').filter((line) => /WARN/.test(line));
  assert.equal(warnings.length, 1, run.stderr);
  assert.match(warnings[0]!, /TLS certificate verification of the Consul agent is disabled/);
});
