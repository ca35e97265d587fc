// `nginx -t` of the whole configuration (main config and every conf.d file), reduced to a
// verdict and, on failure, Nginx's own first error as one line.
import { spawn, type ChildProcess } from 'node:child_process';
import { nginxArgs, type NginxLayout } from './layout.ts';

export type CheckResult = { ok: true } | { ok: false; error: string };

const checkTimeoutMs = 30_000;

/** One `nginx -t`, started now. */
export function checkNginxConfig(layout: NginxLayout): Promise<CheckResult> {
  return verdictOf(startCheck(layout), layout).then(({ verdict }) => verdict);
}

/**
 * `nginx -t` for every change of a running balancer, each run's process started ahead of need
 * (when prepared): a shell waits on its stdin and execs `nginx -t` when released. The check is
 * on the way from a change to the reload, and starting a process from drcon costs about 9 ms
 * more than releasing one (fork copies the page tables of a ~100 MB process). Nginx still reads
 * the config only at release.
 */
export class NginxConfigCheck {
  readonly #layout: NginxLayout;
  #held: ChildProcess | undefined;
  #closed = false;

  constructor(layout: NginxLayout) {
    this.#layout = layout;
  }

  async run(): Promise<CheckResult> {
    const held = this.#held;
    this.#held = undefined;
    if (held !== undefined && release(held)) {
      const { verdict, killed } = await verdictOf(held, this.#layout);
      // Killed by someone else, maybe before it was released: that says nothing of the config.
      if (!killed) return verdict;
    }
    return checkNginxConfig(this.#layout);
  }

  /** Starts and holds the next run's process. */
  prepare(): void {
    if (!this.#closed && this.#held === undefined) this.#held = startCheck(this.#layout, { held: true });
  }

  /** The held shell exits without running anything; a check in progress finishes. */
  close(): void {
    this.#closed = true;
    this.#held?.stdin?.end();
    this.#held = undefined;
  }
}

function startCheck(layout: NginxLayout, { held = false } = {}): ChildProcess {
  const args = ['-t', '-q', ...nginxArgs(layout)];
  // stdout must be something `access_log /dev/stdout` can open: /dev/null is, the socket that
  // node gives a child for a piped stdout is not (ENXIO), which would fail every check.
  if (!held) return spawn(layout.nginx, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // The program and its arguments are the shell's positional parameters: nothing to quote. If
  // drcon goes away, stdin closes and the shell exits without running Nginx.
  const child = spawn('/bin/sh', ['-c', 'read -r _ || exit 0; exec "$0" "$@"', layout.nginx, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
  // Nobody listens to a held shell until its release: its failures must not throw meanwhile.
  child.on('error', () => {}); // could not start: pid undefined, so never released
  child.stdin!.on('error', () => {}); // killed while held: its pipe is gone
  return child;
}

/** Lets a held check run; false if its shell is gone (then a fresh check is started instead). */
function release(held: ChildProcess): boolean {
  if (held.pid === undefined || held.exitCode !== null || held.signalCode !== null) return false;
  held.stdin!.end('\n');
  return true;
}

/** How a check ended; `killed`: by a signal drcon did not send. */
function verdictOf(child: ChildProcess, layout: NginxLayout): Promise<{ verdict: CheckResult; killed: boolean }> {
  return new Promise((resolve) => {
    let timedOut = false;
    // Node's own `timeout` option keeps its timer after a spawn error; this one is cleared.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, checkTimeoutMs);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ verdict: { ok: false, error: `cannot run ${layout.nginx}: ${error.message}` }, killed: false });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ verdict: { ok: true }, killed: false });
      const status = timedOut ? `did not finish within ${checkTimeoutMs / 1000}s` : `exited with ${code ?? signal}`;
      resolve({ verdict: { ok: false, error: firstError(stderr) ?? `nginx -t ${status}` }, killed: signal !== null && !timedOut });
    });
  });
}

// Lines look like "2025/01/02 03:04:05 [emerg] 123#123: unknown directive "x" in /d/conf.d/app.conf:3".
const logLine = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: (.*)$/;

function firstError(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const entries = lines.map((line) => logLine.exec(line)).filter((match) => match !== null);
  const error = entries.find((entry) => entry[1] === 'emerg') ?? entries.find((entry) => entry[1] !== 'notice');
  if (error) return `nginx: ${error[2]}`;
  return lines[0] === undefined ? undefined : `nginx: ${lines[0]}`;
}
