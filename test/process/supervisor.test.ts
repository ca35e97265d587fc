import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ChildSupervisor } from '../../src/process/supervisor.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { isAlive } from '../../harness/processes.ts';
import { waitFor } from '../../harness/wait.ts';

/** A logger that keeps its lines, in JSON so fields can be checked. */
function recordingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) });
  return { logger, lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const said = (lines: () => Record<string, unknown>[], message: string) => () =>
  lines().some((line) => line.msg === message);

describe('ChildSupervisor', () => {
  it('starts a program and stops it with SIGTERM', async (t) => {
    const supervisor = new ChildSupervisor();
    t.after(() => supervisor.stop(1000, 'SIGKILL'));
    await supervisor.start(['sleep', '1000']);
    const pid = supervisor.pid!;
    assert.equal(supervisor.running, true);
    assert.equal(isAlive(pid), true);
    assert.deepEqual(await supervisor.stop(10_000), { code: null, signal: 'SIGTERM' });
    assert.equal(supervisor.running, false);
    await waitFor('the child to be gone', () => !isAlive(pid));
  });

  it('kills a child that ignores the stop signal once the timeout has passed', async (t) => {
    const { logger, lines } = recordingLogger();
    const supervisor = new ChildSupervisor();
    t.after(() => supervisor.stop(1000, 'SIGKILL'));
    await supervisor.start('trap "" TERM; echo ready; while :; do sleep 0.05; done', { output: 'log', logger });
    await waitFor('the trap to be set', said(lines, 'ready'));
    assert.deepEqual(await supervisor.stop(300), { code: null, signal: 'SIGKILL' });
  });

  it('reports how a child that ended by itself exited', async () => {
    const supervisor = new ChildSupervisor();
    await supervisor.start(['sh', '-c', 'exit 3']);
    assert.deepEqual(await supervisor.exited, { code: 3, signal: null });
    assert.deepEqual(await supervisor.stop(1000), { code: 3, signal: null }); // nothing left to stop
  });

  it('sends each output line to the logger, marked with its stream', async () => {
    const { logger, lines } = recordingLogger();
    const supervisor = new ChildSupervisor();
    await supervisor.start(['sh', '-c', 'echo hello; echo oops >&2'], { output: 'log', logger });
    const pid = supervisor.pid;
    await supervisor.exited;
    await waitFor('both lines', () => lines().length === 2);
    const byMessage = Object.fromEntries(lines().map((line) => [line.msg, line]));
    assert.equal(byMessage.hello?.stream, 'stdout');
    assert.equal(byMessage.oops?.stream, 'stderr');
    assert.equal(byMessage.oops?.child, pid);
  });

  it('signal() says whether a child received the signal', async () => {
    const supervisor = new ChildSupervisor();
    assert.equal(supervisor.signal('SIGHUP'), false);
    await supervisor.start(['sleep', '1000']);
    assert.equal(supervisor.signal('SIGKILL'), true);
    await supervisor.exited;
    assert.equal(supervisor.signal('SIGHUP'), false);
  });

  it('fails in one line when the program cannot start', async () => {
    const supervisor = new ChildSupervisor();
    await assert.rejects(supervisor.start(['/no/such/program']), {
      message: 'cannot start "/no/such/program": ENOENT',
    });
    assert.equal(supervisor.running, false);
    assert.equal(await supervisor.stop(1000), undefined);
  });

  it('refuses to start a second child while one runs, and can start again after', async (t) => {
    const supervisor = new ChildSupervisor();
    t.after(() => supervisor.stop(1000, 'SIGKILL'));
    await supervisor.start(['sleep', '1000']);
    const first = supervisor.pid;
    await assert.rejects(supervisor.start(['sleep', '1000']), { message: `child ${first} is still running` });
    await supervisor.stop(10_000);
    await supervisor.start(['sleep', '1000']);
    assert.notEqual(supervisor.pid, first);
    assert.equal(supervisor.running, true);
  });

  for (const ending of ['exit', 'crash']) {
    it(`does not leave the child behind when drcon ends by ${ending}`, async () => {
      const fixture = new URL('./fixtures/parent.ts', import.meta.url).pathname;
      const stdout = await promisify(execFile)(process.execPath, [fixture, ending]).then(
        (result) => result.stdout,
        (error: { stdout: string; stderr: string }) => {
          assert.match(error.stderr, /crashing on purpose/); // only the deliberate crash may fail
          return error.stdout;
        },
      );
      const pid = Number(stdout.trim());
      assert.ok(pid > 0, `no PID in ${JSON.stringify(stdout)}`);
      try {
        await waitFor('the child to be gone', () => !isAlive(pid));
      } finally {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
    });
  }
});
