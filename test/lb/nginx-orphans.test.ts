// The workers a killed Nginx master leaves, found by their stdout and ended: real processes
// whose stdout is a file of the test's, standing in for the FIFO drcon gives Nginx.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endOrphanedWorkers, processesWritingTo } from '../../src/lb/nginx-orphans.ts';
import { isAlive } from '../../harness/processes.ts';
import { waitFor } from '../../harness/wait.ts';

function writingTo(path: string, script: string) {
  const fd = openSync(path, 'w');
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', fd, 'ignore'] });
  closeSync(fd);
  return child;
}

it('finds the processes writing to a stdout and ends them gracefully, the others untouched', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drcon-orphans-'));
  const ours = join(dir, 'stdout');
  const first = writingTo(ours, 'exec sleep 30');
  const second = writingTo(ours, 'exec sleep 30');
  const other = writingTo(join(dir, 'other'), 'exec sleep 30');
  t.after(() => void [first, second, other].forEach((child) => child.kill('SIGKILL')));
  await waitFor('both running', async () => (await processesWritingTo(ours)).length === 2);
  assert.deepEqual((await processesWritingTo(ours)).sort(), [first.pid, second.pid].sort());
  assert.equal(await endOrphanedWorkers(ours), 2);
  await waitFor('reaped', () => !isAlive(first.pid!) && !isAlive(second.pid!));
  assert.equal(first.signalCode, 'SIGQUIT');
  assert.ok(isAlive(other.pid!), 'a process with another stdout runs on');
  assert.equal(await endOrphanedWorkers(ours), 0);
});

it('kills one that ignores the graceful stop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drcon-orphans-'));
  const ours = join(dir, 'stdout');
  const stubborn = writingTo(ours, "trap '' QUIT; while :; do sleep 0.05; done");
  t.after(() => void stubborn.kill('SIGKILL'));
  await waitFor('running', async () => (await processesWritingTo(ours)).length === 1);
  await endOrphanedWorkers(ours);
  await waitFor('reaped', () => stubborn.signalCode !== null);
  assert.equal(stubborn.signalCode, 'SIGKILL');
});
