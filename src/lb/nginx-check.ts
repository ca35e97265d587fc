// `nginx -t` of the whole configuration (main config and every conf.d file), reduced to a
// verdict and, on failure, Nginx's own first error as one line.
import { spawn } from 'node:child_process';
import { nginxArgs, type NginxLayout } from './layout.ts';

export type CheckResult = { ok: true } | { ok: false; error: string };

const checkTimeoutMs = 30_000;

export function checkNginxConfig(layout: NginxLayout): Promise<CheckResult> {
  return new Promise((resolve) => {
    // stdout must be something `access_log /dev/stdout` can open: /dev/null is, the socket that
    // node gives a child for a piped stdout is not (ENXIO), which would fail every check.
    const child = spawn(layout.nginx, ['-t', '-q', ...nginxArgs(layout)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let timedOut = false;
    // Node's own `timeout` option keeps its timer after a spawn error; this one is cleared.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, checkTimeoutMs);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `cannot run ${layout.nginx}: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ ok: true });
      const status = timedOut ? `did not finish within ${checkTimeoutMs / 1000}s` : `exited with ${code ?? signal}`;
      resolve({ ok: false, error: firstNginxError(stderr) ?? `nginx -t ${status}` });
    });
  });
}

// Lines look like "2025/01/02 03:04:05 [emerg] 123#123: unknown directive "x" in /d/conf.d/app.conf:3".
const logLine = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: (.*)$/;

/** Nginx's first error in what `nginx -t` printed, as one line "nginx: …". */
export function firstNginxError(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const entries = lines.map((line) => logLine.exec(line)).filter((match) => match !== null);
  const error = entries.find((entry) => entry[1] === 'emerg') ?? entries.find((entry) => entry[1] !== 'notice');
  if (error) return `nginx: ${error[2]}`;
  return lines[0] === undefined ? undefined : `nginx: ${lines[0]}`;
}
