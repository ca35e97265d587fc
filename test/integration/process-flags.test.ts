// drcon's own process flags through the real command line: -parse-only checks templates without
// Consul, -pid-file holds drcon's pid while it runs, -kill-signal stops it and -reload-signal
// re-reads its templates (SIGHUP then stops it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { runDrcon, startDrcon } from '../../harness/drcon.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';

let consul: ConsulAgent;
const dir = mkdtempSync(join(tmpdir(), 'drcon-process-flags-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

before(async () => {
  consul = await startConsul();
  await consul.putKey('process/value', 'x');
});
after(async () => {
  await consul?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('-parse-only: every template loaded without Consul; exit 0, or 1 with one line per broken template', async () => {
  const closed = await freePort(); // nothing listens: -parse-only must not ask Consul
  const good = file('good.hbs', '{{#each (service "web")}}server {{Address}};{{/each}}\n');
  const unclosed = file('unclosed.hbs', '{{#each (service "web")}}\n');
  const unknown = file('unknown.hbs', 'x {{nosuch "a"}}\n');
  const out = join(dir, 'parse-only.out');
  const ok = await runDrcon(['render', '-parse-only', '-consul-addr', `127.0.0.1:${closed}`, '-template', `${good}:${out}`]);
  assert.deepEqual(ok, { code: 0, stdout: '', stderr: '' });
  const broken = await runDrcon(['render', '-parse-only', '-consul-addr', `127.0.0.1:${closed}`,
    '-template', `${good}:${out}`, '-template', `${unclosed}:${out}2`, '-template', `${unknown}:${out}3`]);
  assert.equal(broken.code, 1);
  const lines = broken.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, broken.stderr);
  assert.match(lines[0]!, /^drcon: .*unclosed\.hbs:2:1: /);
  assert.match(lines[1]!, /^drcon: .*unknown\.hbs:1:3: unknown helper "nosuch"$/);
  assert.equal(existsSync(out), false, 'nothing rendered');
});

test('lb -parse-only: the shipped template and a replacement loaded without Consul or Nginx', async () => {
  const closed = await freePort();
  const nginxDir = join(dir, 'lb-parse-only');
  const shipped = await runDrcon(['lb', '-parse-only', '-consul-addr', `127.0.0.1:${closed}`, '-dir', nginxDir]);
  assert.deepEqual(shipped, { code: 0, stdout: '', stderr: '' });
  const broken = file('lb-broken.hbs', 'upstream x {\n{{#each (service "web")}}\n}\n');
  const failed = await runDrcon(['lb', '-parse-only', '-consul-addr', `127.0.0.1:${closed}`, '-dir', nginxDir, '-template', broken]);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^drcon: .*lb-broken\.hbs:4:1: [^\n]+\n$/);
  assert.equal(existsSync(nginxDir), false, 'no Nginx directory prepared');
});

test('-pid-file holds drcon\'s pid while it runs; -kill-signal stops drcon cleanly and the file goes', async () => {
  const source = file('pid.hbs', 'v={{key "process/value"}}\n');
  const out = join(dir, 'pid.out');
  const pidFile = join(dir, 'run', 'drcon.pid');
  const drcon = startDrcon(['render', '-consul-addr', consul.address, '-template', `${source}:${out}`, '-pid-file', pidFile, '-kill-signal', 'SIGUSR2']);
  try {
    await waitFor('first render', () => existsSync(out));
    assert.equal(readFileSync(pidFile, 'utf8'), `${drcon.process.pid}\n`);
  } finally {
    assert.equal(await drcon.stop('SIGUSR2'), 0, drcon.output());
  }
  assert.match(drcon.output(), /stopping signal=SIGUSR2/);
  assert.equal(existsSync(pidFile), false);
});

test('-reload-signal re-reads the templates; SIGHUP then stops drcon', async () => {
  const source = file('reload.hbs', 'v={{key "process/value"}}\n');
  const out = join(dir, 'reload.out');
  const drcon = startDrcon(['render', '-consul-addr', consul.address, '-template', `${source}:${out}`, '-reload-signal', 'USR1']);
  try {
    await waitFor('first render', () => existsSync(out));
    // The template file is not touched: only the signal can make drcon re-read it.
    drcon.process.kill('SIGUSR1');
    await drcon.waitForOutput(/template reloaded/);
    assert.equal(drcon.process.exitCode, null, 'the reload signal does not stop drcon');
  } finally {
    assert.equal(await drcon.stop('SIGHUP'), 0, drcon.output());
  }
  assert.match(drcon.output(), /stopping signal=SIGHUP/);
});
