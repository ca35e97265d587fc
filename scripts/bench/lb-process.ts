// `drcon lb` as its own process, for benchmarks. Its stdout carries Nginx's access log, which is
// heavy under load: it is read and thrown away (only counted), never kept. Its stderr (drcon's
// log and Nginx's error log) is kept, to count what drcon did.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { drconMain } from '../../harness/drcon.ts';
import { terminateOnExit } from './cleanups.ts';

export interface LbProcess {
  readonly pid: number;
  /** "http://127.0.0.1:PORT/" */
  readonly url: string;
  /** drcon's Nginx directory (-dir). */
  readonly dir: string;
  readonly appConfig: string;
  readonly nginxPidFile: string;
  /** drcon's log (stderr) so far. */
  log(): string;
  /** Bytes of access log read from its stdout and discarded. */
  accessLogBytes(): number;
  running(): boolean;
  stop(): Promise<void>;
}

export interface LbOptions {
  consulAddress: string;
  service: string;
  port: number;
  dir: string;
  extraArgs?: string[];
}

export function startLb(options: LbOptions): LbProcess {
  const args = ['lb', '-consul-addr', options.consulAddress, '-service', options.service, '-listen', `127.0.0.1:${options.port}`, '-dir', options.dir, ...(options.extraArgs ?? [])];
  const child = spawn(process.execPath, [drconMain, ...args], {
    env: { ...process.env, CONSUL_HTTP_ADDR: '', CONSUL_HTTP_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let accessLogBytes = 0;
  child.stdout.on('data', (chunk: Buffer) => (accessLogBytes += chunk.length));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk));
  const exited = once(child, 'exit');
  terminateOnExit(child);
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${options.port}/`,
    dir: options.dir,
    appConfig: join(options.dir, 'conf.d', 'app.conf'),
    nginxPidFile: join(options.dir, 'nginx.pid'),
    log: () => log,
    accessLogBytes: () => accessLogBytes,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM'); // drcon stops Nginx, then exits
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
