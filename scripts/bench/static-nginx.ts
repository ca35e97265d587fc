// The same Nginx as `drcon lb` runs — drcon's main nginx.conf and directory layout — but with a
// hand-written app.conf whose upstream never changes: the baseline for the balancer's throughput.
// The app.conf uses the proxy settings of templates/app.conf.hbs, so only drcon differs.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { nginxArgs, prepareNginxDir } from '../../src/lb/layout.ts';
import { openNginxStdout } from '../../src/lb/nginx-stdout.ts';
import { terminateOnExit } from './cleanups.ts';

/**
 * Where the access log (`access_log /dev/stdout` in the main config) goes: "drained" is what
 * drcon lb does (a FIFO read by a Node process, here the bench); "devnull" costs nothing.
 */
export type AccessLogSink = 'drained' | 'devnull';

export interface StaticNginxOptions {
  /** Where the access log goes. */
  sink: AccessLogSink;
  /**
   * Run Nginx in a session of its own (setsid), as drcon's child supervisor does. Where the
   * kernel groups CPU time by session (sched_autogroup), this changes Nginx's share under load.
   */
  ownSession: boolean;
}

export interface StaticNginx {
  readonly url: string;
  /** Its master process. */
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startStaticNginx(dir: string, port: number, backendPorts: readonly number[], { sink, ownSession }: StaticNginxOptions): Promise<StaticNginx> {
  const listen = `127.0.0.1:${port}`;
  const layout = await prepareNginxDir(dir, { listen });
  await writeFile(layout.appConfig, staticAppConfig(listen, backendPorts));
  let stdoutFd: number;
  let closeStdout: () => Promise<void>;
  if (sink === 'drained') {
    const stdout = await openNginxStdout(layout);
    stdout.output.resume(); // read and discard
    stdoutFd = stdout.fd;
    closeStdout = () => stdout.close();
  } else {
    stdoutFd = openSync('/dev/null', 'w');
    closeStdout = async () => closeSync(stdoutFd);
  }
  const child = spawn(layout.nginx, nginxArgs(layout), { stdio: ['ignore', stdoutFd, 'pipe'], detached: ownSession });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = once(child, 'exit');
  terminateOnExit(child);
  const failedEarly = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 300))]);
  if (failedEarly) {
    await closeStdout();
    throw new Error(`static nginx did not start: ${stderr.trim()}`);
  }
  return {
    url: `http://${listen}/`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await closeStdout();
    },
  };
}

function staticAppConfig(listen: string, backendPorts: readonly number[]): string {
  return `# Static upstream for the throughput baseline; same proxy settings as templates/app.conf.hbs.
upstream web {
    least_conn;
${backendPorts.map((port) => `    server 127.0.0.1:${port};`).join('\n')}
    keepalive 32;
    keepalive_timeout 4s;
}

server {
    listen ${listen} default_server;
    default_type text/plain;

    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $host;
    proxy_connect_timeout 1s;
    proxy_next_upstream error timeout http_502 http_503;
    proxy_next_upstream_tries 3;
    proxy_next_upstream_timeout 5s;

    location / {
        proxy_pass http://web;
    }
}
`;
}
