import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { checkNginxConfig } from '../../src/lb/nginx-check.ts';
import { tempNginxDir } from '../../harness/nginx.ts';

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
