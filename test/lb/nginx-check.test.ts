// The lb's check, `nginx -t` of the whole configuration, run afresh (not held) on a real Nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { nginxCheckAction } from '../../src/lb/nginx-actions.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { tempNginxDir } from '../../harness/nginx.ts';
import type { NginxLayout } from '../../src/lb/layout.ts';

const check = (layout: NginxLayout) => nginxCheckAction(layout, silentLogger, 30_000).run();

test("a broken app.conf is reported with Nginx's own error, on one line, naming file and line", async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  await writeFile(layout.appConfig, 'server {\n    listen 127.0.0.1:1;\n    proxy_pas http://x;\n}\n');
  const result = await check(layout);
  assert.equal(result.ok, false);
  assert.equal(result.output, `nginx: unknown directive "proxy_pas" in ${layout.appConfig}:3`);
});

test('an upstream without servers, which Nginx rejects, fails the check', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  await writeFile(layout.appConfig, 'upstream empty {\n}\nserver {\n    listen 127.0.0.1:1;\n    location / { proxy_pass http://empty; }\n}\n');
  const result = await check(layout);
  assert.equal(result.ok, false);
  assert.match(result.output, /^nginx: no servers are inside upstream in .*app\.conf:2$/);
});

test('an nginx that cannot be run is a failed check naming it, not a crash', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  const result = await check({ ...layout, nginx: `${layout.dir}/no-such-nginx` });
  assert.equal(result.ok, false);
  assert.equal(result.exitCode, 127);
  assert.match(result.output, /no-such-nginx: not found/);
});
