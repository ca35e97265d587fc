import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger, silentLogger } from '../../src/log/logger.ts';
import { runCommand } from '../../src/process/command.ts';
import { waitFor } from '../../harness/wait.ts';
import { isAlive } from '../../harness/processes.ts';

const logger = silentLogger;

/** The first number the command printed: the PID of a process it started in the background. */
function firstPid(output: string): number {
  const pid = Number(/\d+/.exec(output)?.[0]);
  assert.ok(pid > 0, `no PID in ${JSON.stringify(output)}`);
  return pid;
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

describe('runCommand', () => {
  it('reports success with stdout and stderr in the order written', async () => {
    const result = await runCommand('echo out; sleep 0.05; echo err >&2', { timeoutMs: 10_000, logger });
    assert.equal(result.ok, true);
    assert.equal(result.exitCode, 0);
    assert.equal(result.timedOut, false);
    assert.equal(result.signal, undefined);
    assert.equal(result.output, 'out\nerr\n');
    assert.ok(result.durationMs > 0);
  });

  it('reports a failing command without throwing', async () => {
    const result = await runCommand('echo "nginx: [emerg] bad" >&2; exit 3', { timeoutMs: 10_000, logger });
    assert.equal(result.ok, false);
    assert.equal(result.exitCode, 3);
    assert.equal(result.timedOut, false);
    assert.match(result.output, /\[emerg\] bad/);
  });

  it('runs in the given directory with extra environment variables', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'drcon-cmd-')));
    try {
      const result = await runCommand('echo "$DRCON_TEST_VALUE $(pwd)"', {
        timeoutMs: 10_000,
        logger,
        cwd: dir,
        env: { DRCON_TEST_VALUE: 'hello' },
      });
      assert.equal(result.output, `hello ${dir}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps only the last 2 KB of output', async () => {
    const result = await runCommand("head -c 100000 /dev/zero | tr '\\0' a; echo END", { timeoutMs: 10_000, logger });
    assert.equal(result.ok, true);
    assert.equal(result.output.length, 2048);
    assert.ok(result.output.endsWith('aaaEND\n'));
  });

  it('kills a hanging command and its grandchild at the timeout', async () => {
    const lines: string[] = [];
    const result = await runCommand('sleep 1000 & echo $!; wait', {
      timeoutMs: 300,
      logger: createLogger({ level: 'warn', write: (line) => lines.push(line) }),
    });
    const grandchild = firstPid(result.output);
    try {
      assert.equal(result.ok, false);
      assert.equal(result.timedOut, true);
      assert.equal(result.signal, 'SIGTERM');
      assert.equal(result.exitCode, undefined);
      await waitFor('the grandchild to be gone', () => !isAlive(grandchild));
      assert.match(lines.join('\n'), /WARN  command timed out; stopping it command="sleep 1000 & echo \$!; wait" timeoutMs=300/);
    } finally {
      killIfAlive(grandchild);
    }
  });

  it('kills with SIGKILL what ignores SIGTERM, after the grace period', async () => {
    // `trap "" TERM` makes the shell and the sleep it starts (ignored signals are inherited) deaf to SIGTERM.
    const result = await runCommand('trap "" TERM; sleep 1000 & echo $!; wait', {
      timeoutMs: 300,
      killGraceMs: 300,
      logger,
    });
    const grandchild = firstPid(result.output);
    try {
      assert.equal(result.timedOut, true);
      assert.equal(result.signal, 'SIGKILL');
      await waitFor('the grandchild to be gone', () => !isAlive(grandchild));
    } finally {
      killIfAlive(grandchild);
    }
  });

  it('returns when the shell exits even if a background process keeps its output open', { timeout: 20_000 }, async (t) => {
    // Like a command that starts a daemon: waiting for the daemon to close the pipe would block
    // until the timeout; then the daemon would be killed with the group. Neither may happen.
    const result = await runCommand('sleep 1000 & echo $!', { timeoutMs: 30_000, logger });
    const background = firstPid(result.output);
    t.after(() => killIfAlive(background));
    assert.equal(result.ok, true);
    assert.equal(result.timedOut, false);
    assert.equal(isAlive(background), true);
  });

  it('reports a command that cannot start', async () => {
    const result = await runCommand('true', { timeoutMs: 10_000, logger, cwd: join(tmpdir(), 'drcon-no-such-dir') });
    assert.equal(result.ok, false);
    assert.equal(result.exitCode, undefined);
    assert.match(result.output, /^cannot start: The "cwd" option is invalid: .*drcon-no-such-dir\.$/);
  });
});
