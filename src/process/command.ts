// Runs a template's check or command (e.g. "nginx -s reload") through /bin/sh, bounded by a
// timeout that kills the command and everything it started. Never throws: the result says what
// happened, with the end of its output for the log line.
import { execa } from 'execa';
import type { Logger } from '../log/logger.ts';
import { onExit } from './signals.ts';

export interface CommandResult {
  /** Exited with status 0 in time. */
  ok: boolean;
  exitCode?: number;
  /** The signal that ended the shell, e.g. "SIGTERM" after a timeout. */
  signal?: string;
  timedOut: boolean;
  durationMs: number;
  /** The last ~2 KB of stdout and stderr, interleaved as written. */
  output: string;
}

export interface CommandOptions {
  timeoutMs: number;
  logger: Logger;
  /** Added to (not replacing) this process's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Time between SIGTERM and SIGKILL after a timeout or an abort; default 2 s. */
  killGraceMs?: number;
  /** Aborting stops the command (and all it started) as a timeout does: drcon is shutting down. */
  signal?: AbortSignal;
}

const outputLimitBytes = 2048;
/**
 * After the shell exits, how long its output pipes may stay open. A command that starts a daemon
 * can leave it holding them; waiting for that would block the runner for the daemon's lifetime.
 */
const drainMs = 100;

export async function runCommand(command: string, options: CommandOptions): Promise<CommandResult> {
  return superviseShell(startShell(command, options), command, options);
}

/** A command's shell as `startShell` leaves it: already started, or held until released. */
export type ShellProcess = ReturnType<typeof startShell>;

/**
 * Starts `/bin/sh -c command` in its own process group (so a timeout can kill the shell and all
 * it started with one signal). With `held`, the shell first waits for a line on its stdin and
 * exits without running anything if stdin closes instead: see held-shell.ts for why.
 */
export function startShell(command: string, options: Pick<CommandOptions, 'env' | 'cwd'> & { held?: boolean }) {
  // On one line with the command, so the shell's error messages keep the command's line numbers.
  const script = options.held ? `read -r _ || exit 0; ${command}` : command;
  const subprocess = execa('/bin/sh', ['-c', script], {
    detached: true,
    stdin: options.held ? 'pipe' : 'ignore',
    all: true,
    buffer: false,
    reject: false,
    env: options.env,
    cwd: options.cwd,
  });
  // A held shell that died before its release leaves a pipe nobody reads: no unhandled EPIPE.
  subprocess.stdin?.on('error', () => {});
  return subprocess;
}

/**
 * Waits for a started (or just released) shell to finish, bounded by the timeout, and says how it
 * went. The timeout and the duration count from this call.
 */
export async function superviseShell(subprocess: ShellProcess, command: string, options: CommandOptions): Promise<CommandResult> {
  const { timeoutMs, logger, killGraceMs = 2000, signal: abortSignal } = options;
  const started = performance.now();
  const output = new OutputTail(outputLimitBytes);
  logger.debug('running command', { command });
  subprocess.all.on('data', (chunk: Buffer) => output.push(chunk));
  const pid = subprocess.pid;
  let timedOut = false;
  let durationMs: number | undefined;
  const stopGroup = () => {
    if (pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    // Fires even when the shell has exited by then: members of its group that ignored SIGTERM remain.
    // Unref'd so it does not hold up drcon's exit; if drcon exits first, its exit hook kills the group.
    groupsToKill.add(pid);
    setTimeout(() => {
      groupsToKill.delete(pid);
      signalGroup(pid, 'SIGKILL');
    }, killGraceMs).unref();
  };
  const timeoutTimer = setTimeout(() => {
    if (pid === undefined) return;
    timedOut = true;
    logger.warn('command timed out; stopping it', { command, timeoutMs });
    stopGroup();
  }, timeoutMs);
  abortSignal?.addEventListener('abort', stopGroup, { once: true });
  if (pid !== undefined) runningGroups.add(pid);
  subprocess.nodeChildProcess.once('exit', () => {
    durationMs = performance.now() - started;
    clearTimeout(timeoutTimer);
    abortSignal?.removeEventListener('abort', stopGroup);
    setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
      subprocess.all?.destroy();
    }, drainMs).unref();
  });

  const result = await subprocess;
  clearTimeout(timeoutTimer);
  if (pid !== undefined) runningGroups.delete(pid);

  const exitCode = result.exitCode;
  const signal = result.signal;
  // Execa's message spans lines; its first line says what was wrong (e.g. an invalid cwd).
  const startFailure = pid === undefined ? `cannot start: ${String(result.originalMessage).split('\n')[0]}` : '';
  const commandResult: CommandResult = {
    ok: !timedOut && exitCode === 0,
    ...(exitCode === undefined ? {} : { exitCode }),
    ...(signal === undefined ? {} : { signal }),
    timedOut,
    durationMs: durationMs ?? performance.now() - started,
    output: startFailure || output.text(),
  };
  logger.debug('command finished', { command, exitCode, signal, timedOut, ms: Math.round(commandResult.durationMs) });
  return commandResult;
}

/** Process groups of commands still running, stopped if this process exits before they do. */
const runningGroups = new Set<number>();
/** Process groups sent SIGTERM whose SIGKILL is still to come. */
const groupsToKill = new Set<number>();
onExit(() => {
  for (const pid of runningGroups) signalGroup(pid, 'SIGTERM');
  for (const pid of groupsToKill) signalGroup(pid, 'SIGKILL');
});

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the whole group is gone already.
  }
}

/** Keeps only the last `limit` bytes of a stream of chunks. */
class OutputTail {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#chunks.length > 1 && this.#bytes - this.#chunks[0]!.length >= this.#limit) {
      this.#bytes -= this.#chunks.shift()!.length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.#chunks);
    const tail = all.subarray(Math.max(0, all.length - this.#limit));
    // A cut through a multi-byte character decodes as U+FFFD at the start: drop it.
    return tail.toString('utf8').replace(/^\uFFFD+/, '');
  }
}
