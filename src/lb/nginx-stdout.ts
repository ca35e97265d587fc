// What Nginx's stdout should be when drcon runs it. The main config logs requests to
// /dev/stdout, which Nginx opens by path: that works for a pipe, a FIFO, a file or a terminal,
// but not for the Unix socket node gives a child for `stdio: 'pipe'` (open fails with ENXIO and
// Nginx does not start). So drcon gives Nginx a FIFO in its directory instead, and reads the
// access log lines from the other end.
import { execFile } from 'node:child_process';
import { close, constants, open } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NginxLayout } from './layout.ts';

export interface NginxStdout {
  /** The FIFO: every process of this Nginx has it as stdout (nginx-orphans.ts finds them by it). */
  readonly path: string;
  /** Pass as the Nginx child's stdout (`stdio: ['ignore', fd, ...]`); closed by `close()`. */
  readonly fd: number;
  /** Everything Nginx and its workers write to stdout: the access log. */
  readonly output: Socket;
  /** Closes both ends and removes the FIFO; call after Nginx has exited. */
  close(): Promise<void>;
}

export async function openNginxStdout(layout: NginxLayout): Promise<NginxStdout> {
  const path = join(layout.dir, 'stdout.fifo');
  await rm(path, { force: true });
  await promisify(execFile)('mkfifo', ['-m', '600', path]);
  // Read-write, so opening never waits for a writer and no EOF comes while Nginx reloads.
  const readFd = await promisify(open)(path, constants.O_RDWR | constants.O_NONBLOCK);
  // A blocking write end for Nginx: a full pipe then slows it down instead of losing lines.
  const writeFd = await promisify(open)(path, constants.O_WRONLY);
  const output = new Socket({ fd: readFd, readable: true, writable: false });
  return {
    path,
    fd: writeFd,
    output,
    async close() {
      output.destroy();
      await promisify(close)(writeFd).catch(() => undefined);
      await rm(path, { force: true });
    },
  };
}
