// A reload command that fails (the host's `nginx -s reload` cannot reach Nginx, say): drcon logs
// it with the command's own words, counts it in /metrics, and keeps watching — the next change
// renders and runs the command again. (A command that hangs is in test/integration/render.test.ts.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';

let consul: ConsulAgent;
let drcon: RunningDrcon | undefined;
const dir = mkdtempSync(join(tmpdir(), 'drcon-reload-'));

before(async () => {
  consul = await startConsul();
});
after(async () => {
  await drcon?.stop();
  await consul?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function register(port: number): Promise<void> {
  return consul.registerService({ ID: `reload-${port}`, Name: 'reload', Address: '127.0.0.1', Port: port });
}

test('a failing reload command is logged and counted, and drcon keeps watching', async () => {
  const source = join(dir, 'reload.hbs');
  writeFileSync(source, '{{#each (service "reload")}}{{Port}}\n{{/each}}');
  const out = join(dir, 'reload.out');
  const runs = join(dir, 'runs.log');
  const statusPort = await freePort();
  const command = `echo run >> ${runs}; echo "reload: cannot reach nginx" >&2; exit 7`;
  drcon = startDrcon(['render', '-consul-addr', consul.address, '-status-addr', `127.0.0.1:${statusPort}`, '-template', `${source}:${out}:${command}`]);
  const runCount = () => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0);

  await register(7401);
  await waitFor('first change rendered', () => existsSync(out) && readFileSync(out, 'utf8') === '7401\n');
  await drcon.waitForOutput(/ERROR command failed: exited with 7: reload: cannot reach nginx/);
  const before = runCount();

  await register(7402);
  await waitFor('next change rendered', () => readFileSync(out, 'utf8') === '7401\n7402\n');
  await waitFor('command run again', () => runCount() > before);
  const failures = () => drcon!.output().match(/command failed: exited with 7/g)?.length ?? 0;
  await waitFor('second failure logged', () => failures() === runCount());
  assert.equal(drcon.process.exitCode, null, 'drcon still running');

  const metrics = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
  const failed = /^drcon_commands_total\{[^}]*kind="command"[^}]*result="failed"[^}]*\} (\d+)$/m.exec(metrics);
  assert.ok(failed, metrics.split('\n').filter((line) => line.startsWith('drcon_commands_total')).join('\n'));
  assert.equal(Number(failed[1]), runCount(), 'every failed run counted');
});
