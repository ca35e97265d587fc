// Real Nginx for tests: the binary, a temp drcon Nginx directory, and an Nginx process run in the
// foreground on a layout (without drcon), stopped when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { waitFor } from './wait.ts';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nginxArgs, prepareNginxDir, type NginxLayout } from '../src/lb/layout.ts';
import { resolveNginxBinary } from '../src/lb/nginx-binary.ts';
import { openNginxStdout } from '../src/lb/nginx-stdout.ts';

export function nginxBinary(): Promise<string> {
  return resolveNginxBinary();
}

export interface TempNginxDir {
  readonly layout: NginxLayout;
  remove(): Promise<void>;
}

/** prepareNginxDir in a fresh temp directory, whose path has a space to catch quoting mistakes. */
export async function tempNginxDir(listen: string): Promise<TempNginxDir> {
  const parent = await mkdtemp(join(tmpdir(), 'drcon-nginx-'));
  // Nginx workers run as another user when the tests run as root: let them reach the temp dir.
  await chmod(parent, 0o711);
  const layout = await prepareNginxDir(join(parent, 'lb dir'), { listen });
  return { layout, remove: () => rm(parent, { recursive: true, force: true }) };
}

export interface NginxProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /**
   * SIGHUP, resolving once every worker of the old configuration has exited: until then a new
   * connection may still be accepted by an old worker (Nginx's graceful reload).
   */
  reload(): Promise<void>;
  /** Graceful stop (SIGQUIT), then SIGKILL if it lingers; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts Nginx on the layout as drcon does: in the foreground, its stdout a FIFO (openNginxStdout). */
export async function runNginx(layout: NginxLayout): Promise<NginxProcess> {
  const stdout = await openNginxStdout(layout);
  const child = spawn(layout.nginx, nginxArgs(layout), { stdio: ['ignore', stdout.fd, 'pipe'] });
  let output = '';
  stdout.output.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit').finally(() => stdout.close());
  return {
    child,
    output: () => output,
    async reload() {
      const old = workerPids(child.pid!);
      child.kill('SIGHUP');
      await waitFor('old nginx workers to exit', () => {
        const now = workerPids(child.pid!);
        return now.length > 0 && old.every((pid) => !now.includes(pid));
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Pids of the worker processes of an Nginx master (its children, from /proc). */
export function workerPids(master: number): number[] {
  try {
    return readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Kills an Nginx master with SIGKILL after stopping (SIGSTOP) its workers, and returns them. A
 * dead master's workers otherwise serve on, with its configuration, until whoever runs Nginx ends
 * them; hung, they keep Nginx down until then: a window for a change a restarted Nginx must serve.
 */
export function killMasterWithHungWorkers(master: number): number[] {
  const workers = workerPids(master);
  for (const pid of workers) process.kill(pid, 'SIGSTOP');
  process.kill(master, 'SIGKILL');
  return workers;
}

/**
 * Resolves once no worker of this Nginx master is still shutting down after a reload: from then
 * on every connection is served by the current configuration. Call it after seeing the new
 * configuration answer, with the workers there were before the change: during a reload the master
 * starts the new workers before it tells the old ones to stop, and both accept connections then.
 */
export async function nginxSettled(master: number, workersBefore: readonly number[] = []): Promise<void> {
  await waitFor('nginx workers of the old configuration to exit', () =>
    workerPids(master).every((pid) => {
      if (workersBefore.includes(pid)) return false;
      try {
        return !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('shutting down');
      } catch {
        return true; // exited meanwhile
      }
    }),
  );
}
