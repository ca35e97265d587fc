import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { checkNginxConfig, NginxConfigCheck } from '../../src/lb/nginx-check.ts';
import { tempNginxDir } from '../support/nginx.ts';
import { processesWith } from '../support/processes.ts';
import { waitFor } from '../support/wait.ts';

test("a broken app.conf is reported with Nginx's own error, on one line, naming file and line", async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  await writeFile(layout.appConfig, 'server {\n    listen 127.0.0.1:1;\n    proxy_pas http://x;\n}\n');
  const result = await checkNginxConfig(layout);
  assert.deepEqual(result, { ok: false, error: `nginx: unknown directive "proxy_pas" in ${layout.appConfig}:3` });
});

test('an upstream without servers, which Nginx rejects, fails the check', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  await writeFile(layout.appConfig, 'upstream empty {\n}\nserver {\n    listen 127.0.0.1:1;\n    location / { proxy_pass http://empty; }\n}\n');
  const result = await checkNginxConfig(layout);
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.error : '', /^nginx: no servers are inside upstream in .*app\.conf:2$/);
});

test('an nginx that cannot be run is a failed check, not a crash', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  const missing = { ...layout, nginx: `${layout.dir}/no-such-nginx` };
  const result = await checkNginxConfig(missing);
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.error : '', /^cannot run .*no-such-nginx: .*ENOENT/);
});

/** The shells that NginxConfigCheck holds for its next run, for the Nginx of `dir`. */
const heldShells = (dir: string) => processesWith('read -r _').filter((entry) => entry.commandLine.includes(dir));

test('a held check reads the config when it is released, not when it was started', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  const check = new NginxConfigCheck(layout);
  t.after(() => check.close());
  assert.deepEqual(await check.run(), { ok: true });
  assert.deepEqual(heldShells(layout.dir), [], 'nothing held before it is prepared');
  check.prepare();
  assert.equal(heldShells(layout.dir).length, 1, 'the next run is held');

  await writeFile(layout.appConfig, 'server {\n    listen 127.0.0.1:1;\n    proxy_pas http://x;\n}\n');
  assert.deepEqual(await check.run(), { ok: false, error: `nginx: unknown directive "proxy_pas" in ${layout.appConfig}:3` });
  check.prepare();
  await writeFile(layout.appConfig, '');
  assert.deepEqual(await check.run(), { ok: true });
  check.prepare();

  check.close();
  await waitFor('the held shell gone, without running Nginx', () => heldShells(layout.dir).length === 0);
});

test('a held shell killed while it waits: the next check starts Nginx afresh, and its verdict is the config\'s', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  const check = new NginxConfigCheck(layout);
  t.after(() => check.close());
  check.prepare();
  const [held] = heldShells(layout.dir);
  assert.ok(held, 'a shell is held');
  await writeFile(layout.appConfig, 'server {\n    listen 127.0.0.1:1;\n    proxy_pas http://x;\n}\n');
  // At once: the check is released before this process has seen the shell die.
  process.kill(held.pid, 'SIGKILL');
  assert.deepEqual(await check.run(), { ok: false, error: `nginx: unknown directive "proxy_pas" in ${layout.appConfig}:3` });
  await writeFile(layout.appConfig, '');
  assert.deepEqual(await check.run(), { ok: true });
});
