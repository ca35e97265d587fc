// The files -upstreams live adds to drcon's Nginx directory, with a real Nginx and its Lua module:
// they pass `nginx -t` (with the shipped template rendered in live mode too), they are drcon's
// alone, and a later run without live removes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, chmod, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareNginxDir, type NginxLayout } from '../../src/lb/layout.ts';
import { prepareLiveLayout, removeLiveLayout } from '../../src/lb/live-layout.ts';
import { luaModuleDirectives } from '../../src/lb/lua-module.ts';
import { nginxCheckAction } from '../../src/lb/nginx-actions.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { Template } from '../../src/template/template.ts';
import { tempNginxDir } from '../../harness/nginx.ts';

async function assertNginxTestPasses(layout: NginxLayout): Promise<void> {
  const result = await nginxCheckAction(layout, silentLogger, 30_000).run();
  assert.equal(result.ok, true, result.output);
}

async function liveDir(t: { after(fn: () => Promise<void>): void }): Promise<NginxLayout> {
  const parent = await mkdtemp(join(tmpdir(), 'drcon-live-layout-'));
  await chmod(parent, 0o711);
  t.after(() => rm(parent, { recursive: true, force: true }));
  return prepareNginxDir(join(parent, 'lb'), { listen: '127.0.0.1:1' });
}

test('the live files: the module loaded, the secret and the socket in a directory of drcon\'s alone; nginx -t passes', async (t) => {
  const layout = await liveDir(t);
  const live = await prepareLiveLayout(layout, await luaModuleDirectives(layout.nginx));
  assert.equal(live.socket, join(layout.dir, 'live', 'control.sock'));
  assert.equal(live.peersFile, join(layout.dir, 'live', 'peers.txt'));
  assert.match(live.secret, /^[0-9a-f]{64}$/);
  assert.equal(await readFile(join(layout.dir, 'live', 'secret'), 'utf8'), live.secret);
  assert.equal((await stat(join(layout.dir, 'live'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(layout.dir, 'live', 'secret'))).mode & 0o777, 0o600);
  assert.match(await readFile(join(layout.dir, 'modules.d', 'lua.conf'), 'utf8'), /^load_module \/usr\/lib\/nginx\/modules\/ndk_http_module\.so;$/m);
  assert.ok(!(await readFile(join(layout.dir, 'conf.d', 'live.conf'), 'utf8')).includes(live.secret), 'the secret is in no config file');
  await assertNginxTestPasses(layout);
  const second = await prepareLiveLayout(layout, await luaModuleDirectives(layout.nginx));
  assert.notEqual(second.secret, live.secret, 'a new secret at each start');
});

test('the shipped template in live mode: the same file whatever the members, and it passes nginx -t', async (t) => {
  const layout = await liveDir(t);
  await prepareLiveLayout(layout, await luaModuleDirectives(layout.nginx));
  const template = await Template.fromFile(fileURLToPath(new URL('../../templates/app.conf.hbs', import.meta.url)));
  const render = (services: string[], instances: object[]) => template.render({
    get: (dependency) => ({
      value: dependency.query.path === '/v1/catalog/services' ? [{ Name: 'web', Tags: ['urlprefix-/web/'] }] : instances,
    }),
  }, { listen: '127.0.0.1:1', services, live: true }, { env: {} });
  for (const services of [['web', 'api'], []]) {
    const none = render(services, []);
    const two = render(services, [{ ID: 'a', Address: '10.0.0.1', Port: 80 }, { ID: 'b', Address: '10.0.0.2', Port: 81 }]);
    assert.equal(two.output, none.output, 'members change nothing in the file');
    assert.ok(!two.output.includes('10.0.0.1'));
    assert.deepEqual(two.liveUpstreams.map((upstream) => [upstream.upstream, upstream.instances.length]), services.length > 0 ? [['web', 2], ['api', 2]] : [['web_0', 2]]);
    await writeFile(layout.appConfig, two.output);
    await assertNginxTestPasses(layout);
  }
});

test('without live, what a live run left is removed and nginx -t passes without the module', async (t) => {
  const layout = await liveDir(t);
  await prepareLiveLayout(layout, await luaModuleDirectives(layout.nginx));
  await removeLiveLayout(layout);
  for (const path of ['modules.d/lua.conf', 'conf.d/live.conf', 'live']) assert.ok(!existsSync(join(layout.dir, path)), path);
  await assertNginxTestPasses(layout);
});

test('a directory whose path Nginx could not take as one token is refused, naming -dir', async (t) => {
  const { layout, remove } = await tempNginxDir('127.0.0.1:1'); // its path has a space
  t.after(remove);
  await assert.rejects(prepareLiveLayout(layout, []), {
    message: `-dir ${JSON.stringify(layout.dir)}: with -upstreams live the path may not hold whitespace or any of ;{}'"$\\#`,
  });
});
