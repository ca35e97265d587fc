import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/log/logger.ts';
import { HeldShell } from '../../src/process/held-shell.ts';
import { shellAction } from '../../src/runner/action.ts';
import { waitFor } from '../../harness/wait.ts';
import { processesWith } from '../../harness/processes.ts';

describe('HeldShell', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drcon-held-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the command once released, as sh -c would, with its exit status', async () => {
    const file = join(dir, 'released');
    const subprocess = new HeldShell(`echo ran >> ${file}; exit 3`).release();
    assert.ok(subprocess, 'a freshly held shell is alive');
    subprocess.stdout?.resume();
    const result = await subprocess;
    assert.equal(result.exitCode, 3);
    assert.equal(await readFile(file, 'utf8'), 'ran\n');
  });

  it('exits without running the command when discarded', async () => {
    const file = join(dir, 'discarded');
    await new HeldShell(`echo ran >> ${file}`).discard();
    assert.equal(existsSync(file), false);
  });
});

describe('shellAction holding the next shell', () => {
  it('runs a later change in a shell started before it (here: before an environment change)', async () => {
    const action = shellAction('echo "${DRCON_HELD_MARK:-started-early}"', 10_000, silentLogger, { holdNext: true });
    try {
      assert.equal((await action.run()).output, 'started-early\n');
      action.prepare?.();
      process.env.DRCON_HELD_MARK = 'started-late';
      assert.equal((await action.run()).output, 'started-early\n');
    } finally {
      delete process.env.DRCON_HELD_MARK;
      action.cancel?.();
    }
  });

  it('reports a syntax error on every run, with the line number of the command itself', async () => {
    const action = shellAction('echo never; (', 10_000, silentLogger, { holdNext: true });
    try {
      for (const run of [1, 2]) {
        const result = await action.run();
        assert.equal(result.ok, false, `run ${run}`);
        assert.match(result.output, /\b1: Syntax error/, `run ${run}`);
        assert.doesNotMatch(result.output, /never/, `run ${run}`);
        action.prepare?.();
      }
    } finally {
      action.cancel?.();
    }
  });

  it('leaves no held shell behind once cancelled', async () => {
    const marker = `drcon-held-marker-${process.pid}`;
    const action = shellAction(`true ${marker}`, 10_000, silentLogger, { holdNext: true });
    assert.equal((await action.run()).ok, true);
    assert.deepEqual(processesWith(marker), [], 'nothing held before it is prepared');
    action.prepare?.();
    action.prepare?.();
    assert.equal(processesWith(marker).length, 1, 'one shell held once prepared, however often');
    action.cancel?.();
    await waitFor('the held shell to exit', () => processesWith(marker).length === 0);
  });

  it('holds nothing when not asked to', async () => {
    const marker = `drcon-unheld-marker-${process.pid}`;
    const action = shellAction(`true ${marker}`, 10_000, silentLogger);
    assert.equal((await action.run()).ok, true);
    action.prepare?.();
    assert.deepEqual(processesWith(marker), []);
  });
});
