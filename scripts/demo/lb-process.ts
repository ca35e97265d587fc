// `drcon lb` as the demo's child: its own process, as a user runs it, with its log lines and
// Nginx's access log going to a file so that they do not drown the narration.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drconMain } from '../../harness/drcon.ts';

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

export interface LbProcess {
  /** Resolves when drcon exits, whoever stopped it, to a text like "code 0" or "signal SIGKILL". */
  readonly exited: Promise<string>;
  readonly running: boolean;
  /** stop() was called: an exit from then on is expected. */
  readonly stopRequested: boolean;
  /** SIGTERM (drcon stops Nginx, then itself); SIGKILL to both after `graceMs`. Resolves to how it ended. */
  stop(graceMs?: number): Promise<string>;
}

export function startLb(options: LbOptions): LbProcess {
  const log = openSync(options.logFile, 'a');
  // Its own process group: a Ctrl-C on the terminal reaches only the demo, which stops drcon
  // after the walkthrough's last request rather than in the middle of one.
  const args = [
    drconMain, 'lb', '-consul-addr', options.consulAddress, '-service', options.service,
    '-listen', options.listen, '-dir', options.dir, '-status-addr', options.statusAddress,
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: withoutDrconSettings(process.env) });
  closeSync(log);
  let running = true;
  let stopRequested = false;
  const exited = once(child, 'exit').then(([code, signal]) => {
    running = false;
    return code === null ? `signal ${String(signal)}` : `code ${String(code)}`;
  });
  // Should the demo exit without stopping it (a crash), drcon still takes Nginx down with it.
  const onExit = () => child.kill('SIGTERM');
  process.on('exit', onExit);
  void exited.then(() => process.off('exit', onExit));

  return {
    exited,
    get running() {
      return running;
    },
    get stopRequested() {
      return stopRequested;
    },
    async stop(graceMs = 10_000) {
      stopRequested = true;
      if (!running) {
        killOrphanedNginx(options.dir); // drcon died without stopping it
        return exited;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        killOrphanedNginx(options.dir);
      }, graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
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

/**
 * The user's environment minus what `drcon lb` reads as settings: the demo's agent is local, plain
 * HTTP, without ACLs, and the demo uses the shipped template.
 */
function withoutDrconSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const settings = new Set(['SERVICE', 'LISTEN', 'NGINX_DIR', 'TEMPLATE', 'STATUS_ADDR']);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('CONSUL') && !settings.has(name)));
}
