// The main config and the placeholder, with a real Nginx: they pass `nginx -t`, and an Nginx
// started on them serves the placeholder's 503 on the listen address, then stops.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { nginxArgs } from '../../src/lb/layout.ts';
import { nginxCheckAction } from '../../src/lb/nginx-actions.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { placeholderBody } from '../../src/lb/placeholder.ts';
import { runNginx, tempNginxDir } from '../../harness/nginx.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';

test('prepareNginxDir lays out the main config, mime types, temp dir and a placeholder app.conf', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  assert.equal(layout.mainConfig, join(layout.dir, 'nginx.conf'));
  assert.equal(layout.appConfig, join(layout.dir, 'conf.d', 'app.conf'));
  assert.equal(layout.pidFile, join(layout.dir, 'nginx.pid'));
  assert.match(await readFile(layout.mainConfig, 'utf8'), /include conf\.d\/\*\.conf;/);
  assert.match(await readFile(join(layout.dir, 'mime.types'), 'utf8'), /types\s*\{/);
  assert.ok((await stat(join(layout.dir, 'temp'))).isDirectory());
  assert.match(await readFile(layout.appConfig, 'utf8'), /listen 127\.0\.0\.1:1 default_server;/);
  assert.deepEqual(nginxArgs(layout), ['-p', `${layout.dir}/`, '-c', layout.mainConfig, '-e', 'stderr']);
});

test('the main config with the placeholder passes nginx -t', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1');
  t.after(remove);
  const result = await nginxCheckAction(layout, silentLogger, 30_000).run();
  assert.equal(result.ok, true, result.output);
});

test('an Nginx started on a prepared dir answers 503 from the placeholder, logs the request, and stops', async (t) => {
  const port = await freePort();
  const { layout, remove } = await tempNginxDir(`127.0.0.1:${port}`);
  t.after(remove);
  const nginx = await runNginx(layout);
  after(() => nginx.stop());

  const response = await waitFor('nginx to answer', () => fetch(`http://127.0.0.1:${port}/anything`));
  assert.equal(response.status, 503);
  assert.equal(response.headers.get('content-type'), 'text/plain');
  assert.equal(await response.text(), `${placeholderBody}\n`);
  // The access log reaches Nginx's stdout, which is how a container shows it.
  await waitFor('access log line', () => nginx.output().includes('"GET /anything HTTP/1.1" 503'));
  assert.match(await readFile(layout.pidFile, 'utf8'), new RegExp(`^${nginx.child.pid}\\n`));

  await nginx.stop();
  assert.equal(nginx.child.exitCode, 0);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
});

test('prepareNginxDir refuses a listen address that is not one', async () => {
  await assert.rejects(tempNginxDir('80; evil'), /invalid listen address "80; evil"/);
});
