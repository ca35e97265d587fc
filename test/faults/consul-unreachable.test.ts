// No Consul at the address: a watching drcon waits for it, but a `-once` run (a script, an init
// container) must end, by default after consul-template's 12 tries, and say why in one line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrcon, startDrcon } from '../../harness/drcon.ts';
import { freePort } from '../../harness/ports.ts';

const dir = mkdtempSync(join(tmpdir(), 'drcon-unreachable-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('-once with no agent listening gives up after 12 tries: exit 1, one error naming the query and the address', async () => {
  const address = `127.0.0.1:${await freePort()}`; // free: nothing listens there
  const source = join(dir, 'app.hbs');
  writeFileSync(source, 'v={{key "app/value"}}\n');
  const destination = join(dir, 'app.out');
  const run = await runDrcon(['render', '-once', '-consul-addr', address, '-template', `${source}:${destination}`]);
  assert.equal(run.code, 1, run.stderr);
  const errors = run.stderr.split('\n').filter((line) => / ERROR /.test(line));
  assert.equal(errors.length, 1, run.stderr);
  assert.match(errors[0]!, /giving up: a Consul query failed 12 times in a row dependency=kv\.key\(app\/value\) .*cannot reach Consul at http:\/\/127\.0\.0\.1:\d+/);
  assert.equal(existsSync(destination), false, 'nothing written');
});

test('-consul-retry-attempts 0 keeps trying: the run is still waiting for Consul after 13 failures', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const source = join(dir, 'forever.hbs');
  writeFileSync(source, 'v={{key "app/value"}}\n');
  const drcon = startDrcon(['render', '-once', '-consul-addr', address, '-consul-retry-attempts', '0', '-log-level', 'debug', '-template', `${source}:${join(dir, 'forever.out')}`]);
  try {
    await drcon.waitForOutput(/Consul query failed again .*failures=13\b/, 30_000); // the debug log counts every failure
    assert.equal(drcon.process.exitCode, null, 'still running');
    assert.doesNotMatch(drcon.output(), /giving up/);
  } finally {
    await drcon.stop();
  }
});

test('a watching drcon never gives up, even given -consul-retry-attempts, and says so at its start', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const source = join(dir, 'watching.hbs');
  writeFileSync(source, 'v={{key "app/value"}}\n');
  const drcon = startDrcon(['render', '-consul-addr', address, '-consul-retry-attempts', '2', '-log-level', 'debug', '-template', `${source}:${join(dir, 'watching.out')}`]);
  try {
    await drcon.waitForOutput(/Consul query failed again .*failures=3\b/, 30_000);
    assert.equal(drcon.process.exitCode, null, 'still running');
    assert.match(drcon.output(), /WARN +-consul-retry-attempts applies to -once only/);
    assert.doesNotMatch(drcon.output(), /giving up/);
  } finally {
    await drcon.stop();
  }
});
