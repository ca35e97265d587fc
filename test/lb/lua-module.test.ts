// Whether an nginx can do -upstreams live, read from `nginx -V`: with this machine's Debian nginx
// and its Lua module packages, and with stand-ins for builds this machine does not have (compiled
// in, as OpenResty is; no module at all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { luaModuleDirectives } from '../../src/lb/lua-module.ts';
import { nginxBinary } from '../../harness/nginx.ts';

function standIn(t: { after(fn: () => void): void }, configureArguments: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'drcon-lua-module-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'nginx');
  writeFileSync(path, `#!/bin/sh\necho "nginx version: nginx/1.25.3" >&2\necho "configure arguments: ${configureArguments.replaceAll('DIR', dir)}" >&2\n`, { mode: 0o755 });
  return path;
}

test("Debian's nginx with libnginx-mod-http-lua: load the kit and the module from its modules path", async () => {
  assert.deepEqual(await luaModuleDirectives(await nginxBinary()), [
    'load_module /usr/lib/nginx/modules/ndk_http_module.so;',
    'load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;',
  ]);
});

test('a build with the module compiled in loads nothing', async (t) => {
  const nginx = standIn(t, '--prefix=/usr/local/openresty/nginx --add-module=../ngx_devel_kit-0.3.3 --add-module=../ngx_lua-0.10.26');
  assert.deepEqual(await luaModuleDirectives(nginx), []);
});

test('a build without it is refused in one line that says what to install', async (t) => {
  const nginx = standIn(t, '--modules-path=DIR/modules');
  await assert.rejects(luaModuleDirectives(nginx), {
    message: `${nginx} has no Lua module (no ${join(nginx, '..', 'modules', 'ndk_http_module.so')}); install libnginx-mod-http-lua and lua-resty-core, or use -upstreams reload`,
  });
});
