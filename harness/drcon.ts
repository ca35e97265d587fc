// Runs the real drcon command line as a separate process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { exitWithOutput } from './process-end.ts';
import { waitFor } from './wait.ts';

/**
 * The drcon entry point: the TypeScript source (Node strips the types), or the built one when
 * DRCON_MAIN names it — the bench measures what ships, dist/main.js.
 */
export const drconMain = process.env.DRCON_MAIN ? resolve(process.env.DRCON_MAIN) : fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface DrconRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface DrconOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs drcon to completion (e.g. `-once`, or a flag error) and collects its output. */
export async function runDrcon(args: string[], options: DrconOptions = {}): Promise<DrconRun> {
  const child = startProcess(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const code = await exitWithOutput(child);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface RunningDrcon {
  readonly process: ChildProcess;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends SIGTERM and resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running drcon (watch mode, `lb`); stop it in `after`. */
export function startDrcon(args: string[], options: DrconOptions = {}): RunningDrcon {
  const child = startProcess(args, options);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = exitWithOutput(child);
  return {
    process: child,
    output: () => output,
    waitForOutput: (pattern, timeoutMs = 15_000) =>
      waitFor(`drcon output ${pattern}`, () => pattern.test(output) || undefined, { timeoutMs }).then(() => undefined),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function startProcess(args: string[], options: DrconOptions): ChildProcess {
  return spawn(process.execPath, [drconMain, ...args], {
    cwd: options.cwd,
    env: { ...process.env, CONSUL_HTTP_ADDR: '', CONSUL_HTTP_TOKEN: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
