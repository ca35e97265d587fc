// What `-upstreams live` adds to drcon's Nginx directory, beside nginx.conf and conf.d/app.conf:
//   modules.d/lua.conf   load_module lines for the Lua module (included by nginx.conf at the top)
//   conf.d/live.conf     the shared dict, the Lua module's start, and the control server
//   live/                drcon's alone (mode 0700): the control socket, the secret, the last
//                        peer lists drcon sent (loaded by Nginx's master when it starts or
//                        reloads) and drcon_live.lua
// Without -upstreams live these are removed, so a directory used in both modes keeps working.
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packagePath } from '../package-root.ts';
import type { NginxLayout } from './layout.ts';

export interface LiveLayout {
  /** The control server's unix socket. */
  readonly socket: string;
  /** Sent as X-Drcon-Secret; a new one at every start. */
  readonly secret: string;
  /** The peer lists drcon last sent, which Nginx's master loads. */
  readonly peersFile: string;
}

// Both src/lb and dist/lb are two levels below the package root, which holds nginx/.
const shippedLua = packagePath('nginx', 'drcon_live.lua');
/** Linux's limit on a unix socket path (sun_path, with its NUL). */
const maxSocketPath = 107;
/** What may appear in the socket path written into live.conf: nothing that ends or quotes a token. */
const unsafeInConfig = /[\s;{}'"$\\#]/;
/** Room for the lists of thousands of upstreams; the balancer reads only the one it needs. */
const sharedDictSize = '32m';

function paths(dir: string) {
  return {
    modules: join(dir, 'modules.d', 'lua.conf'),
    config: join(dir, 'conf.d', 'live.conf'),
    live: join(dir, 'live'),
  };
}

/** Writes the live files with a new secret; `loadModules` are the lines of modules.d/lua.conf. */
export async function prepareLiveLayout(layout: NginxLayout, loadModules: readonly string[]): Promise<LiveLayout> {
  const { modules, config, live } = paths(layout.dir);
  const socket = join(live, 'control.sock');
  if (unsafeInConfig.test(socket)) throw new Error(`-dir ${JSON.stringify(layout.dir)}: with -upstreams live the path may not hold whitespace or any of ;{}'"$\\#`);
  if (Buffer.byteLength(socket) > maxSocketPath) throw new Error(`-dir ${JSON.stringify(layout.dir)}: too long for -upstreams live (the control socket ${socket} is over ${maxSocketPath} bytes)`);
  await rm(live, { recursive: true, force: true });
  await mkdir(live, { mode: 0o700 });
  await chmod(live, 0o700); // mkdir's mode is subject to the umask
  const secret = randomBytes(32).toString('hex');
  await writeFile(join(live, 'secret'), secret, { mode: 0o600 });
  await copyFile(shippedLua, join(live, 'drcon_live.lua'));
  await mkdir(join(layout.dir, 'modules.d'), { recursive: true });
  await writeFile(modules, loadModules.length > 0 ? loadModules.join('\n') + '\n' : '# the Lua module is compiled into this nginx\n');
  await writeFile(config, liveConfig(socket));
  return { socket, secret, peersFile: join(live, 'peers.txt') };
}

/**
 * Removes the control socket a killed master left (a master that stops unlinks it itself): a new
 * one could not listen on the path.
 */
export async function removeStaleSocket(live: LiveLayout): Promise<void> {
  await rm(live.socket, { force: true });
}

/** Removes what an earlier run with -upstreams live left (reload mode has no Lua module to load). */
export async function removeLiveLayout(layout: NginxLayout): Promise<void> {
  const { modules, config, live } = paths(layout.dir);
  await Promise.all([rm(modules, { force: true }), rm(config, { force: true }), rm(live, { recursive: true, force: true })]);
}

function liveConfig(socket: string): string {
  return `# Written by drcon for -upstreams live (src/lb/live-layout.ts); see nginx/drcon_live.lua.
lua_package_path "\${prefix}live/?.lua;;";
lua_shared_dict drcon_peers ${sharedDictSize};
init_by_lua_block { require("drcon_live").init() }

# The control server: a unix socket in a directory only drcon's user can enter, and the secret.
server {
    listen unix:${socket};
    access_log off;
    # The whole document in memory: drcon_live.lua reads the body from there.
    client_max_body_size ${sharedDictSize};
    client_body_buffer_size ${sharedDictSize};
    location = /peers {
        content_by_lua_block { require("drcon_live").update() }
    }
    location / {
        return 404;
    }
}
`;
}
