// `npm run demo` in its exiting mode (--once): the real walkthrough (Consul dev agent, drcon lb
// with Nginx, two backends) on a free port, read from what it prints, and nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../harness/ports.ts';
import { exitWithOutput } from '../../harness/process-end.ts';

const demoScript = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function runDemo(args: string[], env: NodeJS.ProcessEnv = {}): Promise<DemoRun> {
  const child = spawn(process.execPath, [demoScript, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGINT'), 90_000);
  const code = await exitWithOutput(child);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

interface Answer {
  port: number;
  status: number;
  body: string;
}

/** The narrated requests of each step ("Step 1." ... "Step 4."), in order. */
function answersByStep(stdout: string): Answer[][] {
  const steps = stdout.split(/^Step \d+\. /m).slice(1);
  return steps.map((step) =>
    [...step.matchAll(/^ {2}curl http:\/\/127\.0\.0\.1:(\d+)\/ {2}-> {2}(\d{3}) (.*)$/gm)].map(([, port, status, body]) => ({
      port: Number(port),
      status: Number(status),
      body: body!,
    })),
  );
}

function printed(stdout: string, pattern: RegExp): string {
  const match = pattern.exec(stdout);
  assert.ok(match?.[1], `output has ${pattern}:\n${stdout}`);
  return match[1];
}

/** Whether something accepts connections on 127.0.0.1:port. */
async function listening(port: number): Promise<boolean> {
  const socket = createConnection({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/** Command lines of the running processes that contain `text` (Linux /proc). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(text)) found.push(`${pid}: ${commandLine}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

test('the walkthrough shows 503, then each backend, both balanced, the removal; then it stops everything', async (t) => {
  const port = await freePort();
  const run = await runDemo(['--once', '--port', String(port)]);
  const logFile = printed(run.stdout, /^drcon's log stays at (.+)$/m);
  t.after(() => rm(dirname(logFile), { recursive: true, force: true }));
  assert.equal(run.code, 0, `demo failed:\n${run.stdout}\n${run.stderr}`);

  const steps = answersByStep(run.stdout);
  assert.equal(steps.length, 4, run.stdout);
  assert.ok(steps.flat().every((answer) => answer.port === port), 'every request went to the chosen port');
  const [before, oneBackend, twoBackends, afterRemoval] = steps as [Answer[], Answer[], Answer[], Answer[]];
  assert.deepEqual(before, [{ port, status: 503, body: 'no healthy instance of service simple' }]);
  assert.deepEqual(new Set(oneBackend.map((a) => `${a.status} ${a.body}`)), new Set(['200 simple-1']));
  assert.deepEqual(new Set(twoBackends.map((a) => `${a.status} ${a.body}`)), new Set(['200 simple-1', '200 simple-2']));
  assert.deepEqual(new Set(afterRemoval.map((a) => `${a.status} ${a.body}`)), new Set(['200 simple-2']));
  assert.match(run.stdout, /simple-1 received 0 of these requests/);

  // Nothing it started is left: no listener on its ports, no process naming its agent or directory.
  const consulPort = Number(printed(run.stdout, /Consul's HTTP API: http:\/\/127\.0\.0\.1:(\d+)/));
  const statusPort = Number(printed(run.stdout, /Its health and metrics: http:\/\/127\.0\.0\.1:(\d+)\/health/));
  const backendPorts = [...run.stdout.matchAll(/Start backend simple-\d on 127\.0\.0\.1:(\d+)/g)].map(([, p]) => Number(p));
  assert.equal(backendPorts.length, 2);
  for (const used of [port, consulPort, statusPort, ...backendPorts]) assert.equal(await listening(used), false, `port ${used} still open`);
  assert.deepEqual(processesMentioning(`-http-port=${consulPort}`), [], 'consul still running');
  assert.deepEqual(processesMentioning(dirname(logFile)), [], 'drcon or nginx still running');
  assert.match(run.stdout, /^Stopped: simple-2, simple-1, drcon lb and its Nginx, the Consul agent\.$/m);
});

test('a busy port: the demo says so and serves on another one', async (t) => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.after(() => blocker.close());
  const busy = (blocker.address() as { port: number }).port;

  const run = await runDemo(['--port', String(busy)], { DEMO_EXIT: '1' });
  t.after(() => rm(dirname(printed(run.stdout, /^drcon's log stays at (.+)$/m)), { recursive: true, force: true }));
  assert.equal(run.code, 0, `demo failed:\n${run.stdout}\n${run.stderr}`);
  const chosen = Number(printed(run.stdout, new RegExp(`^Port ${busy} is busy on 127\\.0\\.0\\.1; the load balancer takes port (\\d+) instead`, 'm')));
  assert.notEqual(chosen, busy);
  const ports = new Set(answersByStep(run.stdout).flat().map((answer) => answer.port));
  assert.deepEqual(ports, new Set([chosen]));
});

test('a bad flag: usage on stderr, exit 2, nothing started', async () => {
  const run = await runDemo(['--port', 'eighty']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^demo: --port: "eighty" is not a TCP port/);
  assert.match(run.stderr, /usage: npm run demo/);
  assert.equal(run.stdout, '');
});

test('--containers without podman: one line saying what is missing, exit 1, nothing started', async () => {
  // Only Node on the PATH: no podman, no runc.
  const run = await runDemo(['--containers', '--once'], { PATH: dirname(process.execPath) });
  assert.equal(run.code, 1);
  assert.equal(run.stderr, 'demo: --containers needs podman; podman and runc not installed (`bash test/container/run.sh backend` installs them and builds the backend image)\n');
  assert.equal(run.stdout, '');
});
