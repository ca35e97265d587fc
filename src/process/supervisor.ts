// Supervises one long-running child (exec mode's program, or Nginx): starts it, passes signals
// on, stops it (SIGTERM, then SIGKILL after a timeout) and reports how it ended.
//
// node:child_process rather than execa: this is a process we talk to with signals for its whole
// life, not a command whose result we collect; we need the raw `spawn`/`exit` events and kill(),
// and none of execa's buffering, result promise or (detached-incompatible) cleanup.
//
// Process group: the child gets its own (`detached`), so a Ctrl-C on the terminal reaches only
// drcon, which forwards it (ChildLifecycle) exactly once; in the same group the child would get
// SIGINT twice. The price is that the child does not die with our group by itself, hence:
//
// Not orphaning it: while the child runs, a process 'exit' hook sends it SIGTERM. That covers a
// normal exit, process.exit() and a crash on an uncaught exception. It cannot cover SIGKILL of
// drcon, nor a fatal signal that has no handler (it ends the process without 'exit'): drcon
// therefore handles the stop signals itself, and ChildLifecycle passes them on to the child.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { silentLogger, type Logger } from '../log/logger.ts';
import { onExit } from './signals.ts';
import { shellCommand } from './shell-words.ts';

export interface ChildExit {
  /** Exit status, or null when a signal ended the child. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildStartOptions {
  /**
   * 'inherit' shares drcon's stdin/stdout/stderr; 'log' sends each output line to `logger`;
   * `{ stdoutFd }` gives the child that file descriptor as stdout and drcon's stderr.
   */
  output?: 'inherit' | 'log' | { stdoutFd: number };
  logger?: Logger;
  /**
   * Start the child in a session of its own (default). Off for Nginx in `drcon lb`: Linux's
   * scheduler gives each session an equal share of the CPU (autogroups), so a session of its own
   * would halve Nginx's share against clients and backends on the same host.
   */
  newSession?: boolean;
  /** The whole environment of the child; default: drcon's. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class ChildSupervisor {
  #child: ChildProcess | undefined;
  #exited: Promise<ChildExit> | undefined;
  /** The child leads a process group of its own (its session): stop signals go to all of it. */
  #ownGroup = false;

  /**
   * Starts `command`: an argv array runs the program directly (signals reach it for sure); a
   * string runs through /bin/sh -c, a single command exec'd by it (see shellCommand), a compound
   * one with the shell as the signalled process. Resolves once it has started.
   */
  async start(command: string[] | string, options: ChildStartOptions = {}): Promise<void> {
    if (this.running) throw new Error(`child ${this.#child?.pid} is still running`);
    const [file, ...args] = typeof command === 'string' ? ['/bin/sh', '-c', shellCommand(command)] : command;
    if (file === undefined || file === '') throw new Error('cannot start a child: empty command');
    const output = options.output ?? 'inherit';
    const child = spawn(file, args, {
      detached: options.newSession ?? true,
      stdio: output === 'inherit' ? 'inherit' : output === 'log' ? ['ignore', 'pipe', 'pipe'] : ['ignore', output.stdoutFd, 'inherit'],
      env: options.env,
      cwd: options.cwd,
    });
    const name = typeof command === 'string' ? command : command.join(' ');
    const exited = new Promise<ChildExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      throw new Error(`cannot start ${JSON.stringify(name)}: ${code ?? message}`);
    }
    // Later errors (a failed kill) must not crash drcon as unhandled 'error' events.
    child.on('error', (error) => options.logger?.warn(`child: ${error.message}`, { pid: child.pid }));
    if (output === 'log') {
      // Without a logger the pipes are still read, or a chatty child would block on a full pipe.
      const logger = (options.logger ?? silentLogger).child({ child: child.pid });
      logLines(child.stdout, (line) => logger.info(line, { stream: 'stdout' }));
      logLines(child.stderr, (line) => logger.info(line, { stream: 'stderr' }));
    }

    const removeExitHook = onExit(() => void child.kill('SIGTERM'));
    void exited.then(removeExitHook);
    this.#child = child;
    this.#exited = exited;
    this.#ownGroup = options.newSession ?? true;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** How the last started child ended; throws before start(). */
  get exited(): Promise<ChildExit> {
    if (this.#exited === undefined) throw new Error('no child has been started');
    return this.#exited;
  }

  /** Sends `signal` to the child; false when no child is running. */
  signal(signal: NodeJS.Signals): boolean {
    return this.running && this.#child!.kill(signal);
  }

  /**
   * Sends a stop signal to the child and, when it leads a group of its own, to every process in
   * it: a compound shell command's programs would otherwise outlive the shell. False when no
   * child is running.
   */
  signalAll(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    if (!this.#ownGroup) return this.#child!.kill(signal);
    try {
      process.kill(-this.#child!.pid!, signal);
      return true;
    } catch {
      return false; // the group is gone already
    }
  }

  /**
   * Asks the child to stop with `signal`, kills it after `timeoutMs`, and resolves with its end
   * (undefined when no child was ever started, so cleanup code may always call it).
   */
  async stop(timeoutMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit | undefined> {
    const exited = this.#exited;
    if (exited === undefined || !this.signalAll(signal)) return exited;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    if ((await Promise.race([exited, timedOut])) === 'timeout') this.signalAll('SIGKILL');
    clearTimeout(timer);
    return exited;
  }
}

function logLines(stream: Readable | null, write: (line: string) => void): void {
  if (stream === null) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', write);
}
