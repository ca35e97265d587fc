// How drcon lives with its supervised child: the stop signals drcon receives go to the child,
// drcon's status is the child's, and disposing removes every handler it installed.
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
  return { logger, said: (message: string) => () => lines.some((line) => line.msg === message) };
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
