// `npm run demo -- --containers --once`: the walkthrough with real containers (Podman's Docker
// API, drcon register, drcon lb), read from what it prints, and nothing left behind. Podman and the
// backend image are set up first, as for the other tests here: without them this fails, it does
// not skip.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { podman, prepareBackendImage } from '../../harness/podman.ts';
import { freePort } from '../../harness/ports.ts';
import { exitWithOutput } from '../../harness/process-end.ts';
import { processesWith } from '../../harness/processes.ts';

const demoScript = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));

before(() => prepareBackendImage(), { timeout: 15 * 60_000 });

test('--containers --once: containers join and leave by themselves, 0 failed requests, each start timed; then everything stops', async (t) => {
  const port = await freePort();
  const child = spawn(process.execPath, [demoScript, '--containers', '--once', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGINT'), 120_000);
  const code = await exitWithOutput(child);
  clearTimeout(timer);
  const logFile = /^drcon's log stays at (.+)$/m.exec(stdout)?.[1];
  if (logFile) t.after(() => rm(dirname(logFile), { recursive: true, force: true }));
  assert.equal(code, 0, `demo failed:\n${stdout}\n${stderr}`);

  const [first, second] = [`simple-1-${child.pid}`, `simple-2-${child.pid}`];
  const steps = stdout.split(/^Step \d\. /m).slice(1);
  assert.equal(steps.length, 6, stdout);
  const bodies = steps.map((step) => new Set([...step.matchAll(/^ {2}curl http:\/\/127\.0\.0\.1:\d+\/ {2}-> {2}(\d{3} .*)$/gm)].map((match) => match[1])));
  assert.deepEqual(bodies, [
    new Set(['503 no healthy instance of service simple']),
    new Set([`200 ${first}`]),
    new Set([`200 ${first}`, `200 ${second}`]),
    new Set([`200 ${second}`]),
    new Set([`200 ${first}`, `200 ${second}`]),
    new Set([`200 ${first}`]),
  ]);
  // Drained while it still ran, at the kill event, not only once it was gone.
  assert.equal([...stdout.matchAll(/drained it at the kill event: traffic left it [\d.]+ s after the change, while it still runs\./g)].length, 2, stdout);
  const loop = /the request loop sent (\d+) requests: (\d+) failed\./.exec(stdout);
  assert.ok(loop, stdout);
  assert.ok(Number(loop[1]) > 0);
  assert.equal(loop[2], '0', stdout);
  const timed = stdout.slice(stdout.indexOf('From start to the first request served')).split('\n').slice(1, 4);
  assert.deepEqual(timed.map((line) => line.replace(/[\d.]+ s$/, 'N s')), [`  ${first}: N s`, `  ${second}: N s`, `  ${first} (started again): N s`]);

  assert.match(stdout, /^Stopped: the request loop, drcon register, the containers, Podman's Docker API, drcon lb and its Nginx, the Consul agent\.$/m);
  assert.equal(await podman('ps', '-a', '--filter', `name=${first}`, '--filter', `name=${second}`, '--format', '{{.Names}}'), '', 'containers removed');
  const socketDir = dirname(/-docker-host unix:\/\/(\S+)/.exec(stdout)?.[1] ?? '/nonexistent/x');
  assert.deepEqual(processesWith(socketDir), [], "Podman's API service or drcon register still running");
  assert.deepEqual(processesWith(dirname(logFile!)), [], 'drcon lb or Nginx still running');
});
