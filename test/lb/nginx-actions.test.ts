// The lb's check as the runner runs it: `nginx -t` held ready between changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { nginxCheckAction } from '../../src/lb/nginx-actions.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { tempNginxDir } from '../../harness/nginx.ts';
import { processesWith } from '../../harness/processes.ts';
import { waitFor } from '../../harness/wait.ts';

/** The shells the check holds for its next run, for the Nginx of `dir`. */
const heldShells = (dir: string) => processesWith('read -r _').filter((entry) => entry.commandLine.includes(dir));

const broken = 'server {\n    listen 127.0.0.1:1;\n    proxy_pas http://x;\n}\n';

test('a held check reads the config when it is released, not when it was started', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  const check = nginxCheckAction(layout, silentLogger, 10_000);
  t.after(() => check.cancel?.());
  assert.equal((await check.run()).ok, true);
  assert.deepEqual(heldShells(layout.dir), [], 'nothing held before it is prepared');
  check.prepare?.();
  assert.equal(heldShells(layout.dir).length, 1, 'the next run is held');

  await writeFile(layout.appConfig, broken);
  const failed = await check.run();
  assert.equal(failed.ok, false);
  assert.equal(failed.output, `nginx: unknown directive "proxy_pas" in ${layout.appConfig}:3`);
  check.prepare?.();
  await writeFile(layout.appConfig, '');
  assert.equal((await check.run()).ok, true);
  check.prepare?.();

  check.cancel?.();
  await waitFor('the held shell gone, without running Nginx', () => heldShells(layout.dir).length === 0);
});

test("a held shell killed while it waits: the check runs Nginx afresh, and its verdict is the config's", async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  const check = nginxCheckAction(layout, silentLogger, 10_000);
  t.after(() => check.cancel?.());
  check.prepare?.();
  const [held] = heldShells(layout.dir);
  assert.ok(held, 'a shell is held');
  await writeFile(layout.appConfig, broken);
  // At once: the check is released before this process has seen the shell die.
  process.kill(held.pid, 'SIGKILL');
  const failed = await check.run();
  assert.equal(failed.ok, false);
  assert.equal(failed.output, `nginx: unknown directive "proxy_pas" in ${layout.appConfig}:3`);
  await writeFile(layout.appConfig, '');
  assert.equal((await check.run()).ok, true);
});
