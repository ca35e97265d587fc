// A real Consul that verifies its clients (verify_incoming): drcon reaches it only with a client
// certificate its CA signed, given by flag, by consul-template's spelling of the flag or by the
// environment; without one it says in one line what the agent wants. The agent's certificate is
// checked against -tls-server-name when given, and a CA directory (CONSUL_CAPATH) trusts it too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsulAgent } from '../../harness/consul.ts';
import { startTlsConsul } from '../../harness/consul-tls.ts';
import { runDrcon } from '../../harness/drcon.ts';

const dir = mkdtempSync(join(tmpdir(), 'drcon-mtls-'));
const source = join(dir, 'app.hbs');
writeFileSync(source, '{{#each (service "web")}}server {{Address}}:{{Port}};{{/each}}\n');
const expected = 'server 10.0.0.1:8080;\n';
let consul: ConsulAgent;
let https: string;
let ca: string;
let cert: string;
let key: string;

before(async () => {
  ({ consul, https, ca, clientCert: cert, clientKey: key } = await startTlsConsul(dir, { verifyIncoming: true }));
  await consul.registerService({ ID: 'web-1', Name: 'web', Address: '10.0.0.1', Port: 8080 });
});
after(async () => {
  await consul?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const render = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runDrcon(['render', '-once', '-consul-retry-attempts', '2', '-consul-addr', https, '-template', `${source}:${join(dir, name)}`, ...args], { env });
const output = (name: string) => readFileSync(join(dir, name), 'utf8');

test('-client-cert and -client-key reach an agent that verifies its clients', async () => {
  const run = await render('flags.out', ['-ca-file', ca, '-client-cert', cert, '-client-key', key]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(output('flags.out'), expected);
});

test('consul-template\'s spellings: -consul-ssl-ca-cert, -consul-ssl-cert, -consul-ssl-key, -consul-ssl-server-name', async () => {
  const run = await render('ct.out', ['-consul-ssl-ca-cert', ca, '-consul-ssl-cert', cert, '-consul-ssl-key', key, '-consul-ssl-server-name', 'server.dc1.consul']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(output('ct.out'), expected);
});

test('CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY, CONSUL_CAPATH and CONSUL_TLS_SERVER_NAME', async () => {
  const caPath = join(dir, 'ca.d');
  mkdirSync(caPath);
  copyFileSync(ca, join(caPath, 'consul-ca.pem'));
  writeFileSync(join(caPath, 'README'), 'not a certificate\n');
  const run = await render('env.out', [], {
    CONSUL_CLIENT_CERT: cert, CONSUL_CLIENT_KEY: key, CONSUL_CAPATH: caPath, CONSUL_TLS_SERVER_NAME: 'server.dc1.consul',
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(output('env.out'), expected);
});

test('without a client certificate: refused, with a line saying what the agent asks for; nothing written', async () => {
  const run = await render('refused.out', ['-ca-file', ca]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /cannot reach Consul at https:\/\/127\.0\.0\.1:\d+: .*client certificate.*-client-cert/);
  assert.throws(() => output('refused.out'), { code: 'ENOENT' });
});

test('-tls-server-name: the agent\'s certificate must be valid for that name', async () => {
  const run = await render('wrong-name.out', ['-ca-file', ca, '-client-cert', cert, '-client-key', key, '-tls-server-name', 'consul.example.org']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /consul\.example\.org/);
  assert.throws(() => output('wrong-name.out'), { code: 'ENOENT' });
});

test('a certificate without its key, or a key file that cannot be read, is a usage error naming the flag', async () => {
  const alone = await render('alone.out', ['-client-cert', cert]);
  assert.equal(alone.code, 2);
  assert.equal(alone.stderr, 'drcon: -client-cert: needs -client-key as well\n');
  const missing = await render('missing.out', ['-client-cert', cert, '-client-key', join(dir, 'nope.pem')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^drcon: -client-key: cannot read .*nope\.pem: ENOENT\n$/);
  const emptyPath = join(dir, 'empty.d');
  mkdirSync(emptyPath);
  const noCa = await render('no-ca.out', ['-ca-path', emptyPath]);
  assert.equal(noCa.code, 2);
  assert.match(noCa.stderr, /^drcon: -ca-path: Consul CA path ".*empty\.d" holds no PEM certificate\n$/);
});
