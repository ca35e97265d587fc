// How drcon lives with its supervised child: the stop signals drcon receives go to the child,
// drcon's status is the child's, disposing removes every handler it installed, and with a restart
// policy a child that exits unasked is started again a bounded number of times.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ChildLifecycle } from '../../src/process/child-lifecycle.ts';
import { ChildSupervisor } from '../../src/process/supervisor.ts';
import { childStopSignals } from '../../src/process/signals.ts';
import { createLogger } from '../../src/log/logger.ts';
import { waitFor } from '../../harness/wait.ts';

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines, said: (message: string) => () => lines.some((line) => line.msg === message) };
}

const listeners = () => childStopSignals.map((signal) => process.listenerCount(signal));

it('passes a stop signal drcon receives on to the child, takes over its status, and removes its handlers', async (t) => {
  const { logger, said } = recordingLogger();
  const before = listeners();
  const lifecycle = new ChildLifecycle(new ChildSupervisor(), logger);
  t.after(() => lifecycle.dispose(1000));
  assert.deepEqual(listeners(), before.map((count) => count + 1));
  await lifecycle.start('trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done', { output: 'log', logger });
  await waitFor('the trap to be set', said('ready'));
  process.kill(process.pid, 'SIGTERM');
  await waitFor('the child to get SIGTERM', said('got-term'));
  assert.equal(await lifecycle.stopped, 7);
  await lifecycle.dispose();
  assert.deepEqual(listeners(), before);
});

it('a stop signal before the child runs stops drcon at once, with status 0', async (t) => {
  const { logger } = recordingLogger();
  const lifecycle = new ChildLifecycle(new ChildSupervisor(), logger);
  t.after(() => lifecycle.dispose(1000));
  process.kill(process.pid, 'SIGINT');
  assert.equal(await lifecycle.stopped, 0);
});

it('with a restart policy, a child that exits unasked is started again, and drcon gives up with its status after the limit', async (t) => {
  const { logger, lines } = recordingLogger();
  let prepared = 0;
  let restarted = 0;
  const lifecycle = new ChildLifecycle(new ChildSupervisor(), logger, {}, {
    limit: 2, firstDelayMs: 10, stableMs: 60_000,
    prepare: async () => void (prepared += 1),
    restarted: () => void (restarted += 1),
  });
  t.after(() => lifecycle.dispose(1000));
  await lifecycle.start(['sh', '-c', 'exit 3'], { output: 'log', logger });
  assert.equal(await lifecycle.stopped, 3);
  assert.deepEqual([prepared, restarted], [2, 2]);
  assert.deepEqual(lines.filter((line) => line.level === 'warn').map((line) => [line.msg, line.code, line.restart, line.delayMs]), [
    ['child exited unasked; restarting it', 3, '1/2', 10],
    ['child exited unasked; restarting it', 3, '2/2', 20],
  ]);
  assert.ok(lines.some((line) => line.level === 'error' && line.msg === 'child exited unasked after 2 restarts in a row; stopping'));
});

it('a child that exits unasked with status 0 after the last restart still stops drcon with a failure', async (t) => {
  const { logger } = recordingLogger();
  const lifecycle = new ChildLifecycle(new ChildSupervisor(), logger, {}, { limit: 1, firstDelayMs: 1, stableMs: 60_000 });
  t.after(() => lifecycle.dispose(1000));
  await lifecycle.start(['sh', '-c', 'exit 0'], { output: 'log', logger });
  assert.equal(await lifecycle.stopped, 1);
});

it('a stop signal while a restart waits stops drcon with status 0 and starts nothing', async (t) => {
  const { logger, said } = recordingLogger();
  let prepared = 0;
  const lifecycle = new ChildLifecycle(new ChildSupervisor(), logger, {}, { limit: 5, firstDelayMs: 60_000, stableMs: 60_000, prepare: async () => void (prepared += 1) });
  t.after(() => lifecycle.dispose(1000));
  await lifecycle.start(['sh', '-c', 'exit 5'], { output: 'log', logger });
  await waitFor('the restart to wait', said('child exited unasked; restarting it'));
  process.kill(process.pid, 'SIGTERM');
  assert.equal(await lifecycle.stopped, 0);
  assert.equal(prepared, 0);
});

it('a child stopped by drcon is not started again', async (t) => {
  const { logger, said } = recordingLogger();
  const lifecycle = new ChildLifecycle(new ChildSupervisor(), logger, {}, { limit: 5, firstDelayMs: 1, stableMs: 60_000 });
  t.after(() => lifecycle.dispose(1000));
  await lifecycle.start('echo ready; while :; do sleep 0.05; done', { output: 'log', logger });
  await waitFor('the child to run', said('ready'));
  process.kill(process.pid, 'SIGTERM');
  assert.equal(await lifecycle.stopped, 128 + 15);
  assert.ok(!said('child exited unasked; restarting it')());
});
