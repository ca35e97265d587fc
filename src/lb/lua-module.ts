// Whether the nginx drcon runs can do `-upstreams live`: it needs the Lua module and the Nginx
// Development Kit it builds on, compiled in (OpenResty) or as dynamic modules (Debian's
// libnginx-mod-http-lua and libnginx-mod-http-ndk, in the build's --modules-path).
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { configureOption, nginxBuildInfo } from './nginx-build.ts';

const dynamicModules = ['ndk_http_module.so', 'ngx_http_lua_module.so'];
const compiledIn = /--add-module=\S*(?:ngx_lua|lua-nginx-module)/;

/** The `load_module` lines the main config needs (none when compiled in); throws a one-line error without the module. */
export async function luaModuleDirectives(nginx: string): Promise<string[]> {
  const build = await nginxBuildInfo(nginx);
  if (compiledIn.test(build)) return [];
  const dir = configureOption(build, '--modules-path') ?? '/usr/lib/nginx/modules';
  const files = dynamicModules.map((name) => join(dir, name));
  for (const file of files) {
    const present = await access(file).then(() => true, () => false);
    if (!present) throw new Error(`${nginx} has no Lua module (no ${file}); install libnginx-mod-http-lua and lua-resty-core, or use -upstreams reload`);
  }
  return files.map((file) => `load_module ${file};`);
}
