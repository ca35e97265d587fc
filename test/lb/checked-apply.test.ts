import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { applyCheckedAppConfig } from '../../src/lb/checked-apply.ts';
import { tempNginxDir } from '../support/nginx.ts';

const good = (body: string) => `server {\n    listen 127.0.0.1:1 default_server;\n    return 200 "${body}";\n}\n`;

test('a valid app.conf is written and reported changed; the same bytes again are not', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  assert.deepEqual(await applyCheckedAppConfig(layout, good('one')), { ok: true, changed: true });
  assert.equal(await readFile(layout.appConfig, 'utf8'), good('one'));
  assert.deepEqual(await applyCheckedAppConfig(layout, good('one')), { ok: true, changed: false });
});

test('a broken app.conf is refused: the previous bytes are back and the error is Nginx’s', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  await applyCheckedAppConfig(layout, good('last good'));
  const result = await applyCheckedAppConfig(layout, 'server { listen 127.0.0.1:1; bogus; }\n');
  assert.deepEqual(result, { ok: false, error: `nginx: unknown directive "bogus" in ${layout.appConfig}:1` });
  assert.equal(await readFile(layout.appConfig, 'utf8'), good('last good'));
  // No temp file is left where conf.d/*.conf or a person would see it.
  assert.deepEqual(await readdir(dirname(layout.appConfig)), ['app.conf']);
});

test('a broken first app.conf is removed, leaving no broken file for Nginx to load', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  await rm(layout.appConfig);
  const result = await applyCheckedAppConfig(layout, 'upstream x {}\n');
  assert.equal(result.ok, false);
  assert.deepEqual(await readdir(dirname(layout.appConfig)), []);
});
