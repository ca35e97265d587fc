// `drcon lb` as the demo's child, with its log lines and Nginx's access log going to a file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDrconChild, type DrconChild } from './drcon-child.ts';

export interface LbOptions {
  consulAddress: string;
  service: string;
  /** host:port for Nginx. */
  listen: string;
  /** drcon's Nginx directory. */
  dir: string;
  /** host:port of drcon's status server (GET /health, /metrics). */
  statusAddress: string;
  logFile: string;
}

/** drcon lb; stopping it stops its Nginx, and a drcon that died cannot: then its Nginx is ended here. */
export function startLb(options: LbOptions): DrconChild {
  const args = [
    'lb', '-consul-addr', options.consulAddress, '-service', options.service,
    '-listen', options.listen, '-dir', options.dir, '-status-addr', options.statusAddress,
  ];
  return startDrconChild(args, options.logFile, () => killOrphanedNginx(options.dir));
}

/**
 * A killed drcon cannot stop its Nginx (in a process group of its own): the pid file names it.
 * The pid counts only while that process's command line still names this directory, as a pid
 * file left by an Nginx that died may name a process that came later (no /proc: no kill).
 */
function killOrphanedNginx(dir: string): void {
  try {
    const pid = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim());
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(pid, 'SIGTERM');
  } catch {
    // no pid file, Nginx already gone, or no /proc to tell
  }
}
