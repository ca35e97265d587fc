// `npm run demo -- --containers`: the DR CoN walkthrough with real containers. Podman's
// Docker-compatible API on a socket of the demo's own, `drcon register` following it, and two
// backend containers with SERVICE_NAME=simple started and stopped while a curl-like loop asks the
// load balancer; no registration by hand. The load balancer is the `drcon lb` the plain demo runs.
import { join } from 'node:path';
import type { ConsulAgent } from '../../harness/consul.ts';
import { backendImage, backendImageExists, Backends, missingPodmanTools, podman, prepareBackendImage, startPodmanApi } from '../../harness/podman.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';
import type { Cleanups } from './cleanups.ts';
import { startDrconChild } from './drcon-child.ts';
import { httpGet } from './http-get.ts';
import { changeTimeoutMs, heading, nginxWorkers, reloadSettled, say, showRequests, unlessStopping, waitForChange } from './narration.ts';
import { startRequestLoop } from './request-loop.ts';

const service = 'simple';
/** The loop's pause between requests (the walkthrough's loop sleeps a second; this shows more). */
const loopPauseMs = 20;
/** A backend answers this long after SIGTERM, as a server finishing its requests would. */
const stopDelayMs = 3_000;

export interface Running {
  consul: ConsulAgent;
  lbUrl: string;
  /** drcon lb's Nginx directory. */
  dir: string;
  workDir: string;
  cleanups: Cleanups;
  fail: (error: Error) => void;
}

/** What --containers needs that this machine lacks, in one line, or undefined. */
export function containersUnavailable(): string | undefined {
  const missing = missingPodmanTools();
  if (missing.length === 0) return undefined;
  return `--containers needs podman; ${missing.join(' and ')} not installed (\`bash test/container/run.sh backend\` installs them and builds the backend image)`;
}

export async function containersWalkthrough(running: Running): Promise<void> {
  const { consul, lbUrl, dir, workDir, cleanups } = running;
  if (!(await backendImageExists())) {
    heading(`Building the backend image ${backendImage} (test/register-containers/backend; about a minute the first time)...`);
    await prepareBackendImage();
  }
  heading("Starting Podman's Docker-compatible API on a socket of the demo's own:");
  const api = await startPodmanApi();
  await cleanups.add("Podman's Docker API", () => api.destroy());
  say(`  $ podman system service --time=0 ${api.dockerHost}`);
  const containers = new Backends('drcon-demo');
  await cleanups.add('the containers', () => containers.removeAll());

  heading("Starting drcon register, which follows the engine's events and keeps Consul in step:");
  const statusAddress = `127.0.0.1:${await freePort()}`;
  const args = ['register', '-docker-host', api.dockerHost, '-status-addr', statusAddress, `consul://${consul.address}`];
  say(`  $ node src/main.ts ${args.join(' ')}`);
  const logFile = join(workDir, 'register.log');
  unlessStopping();
  const register = startDrconChild(args, logFile);
  await cleanups.add('drcon register', () => register.stop());
  say(`  Its log: ${logFile}`);
  void register.exited.then((how) => {
    if (!register.stopRequested) running.fail(new Error(`drcon register exited (${how}); its log: ${logFile}`));
  });
  await waitFor('drcon register following the engine', async () => (await httpGet(`http://${statusAddress}/health`)).status === 200, { timeoutMs: changeTimeoutMs });
  say();

  heading(`Step 1. No container of service "${service}" runs yet, so Nginx answers 503:`);
  await showRequests(lbUrl, 1);
  say();

  const took: string[] = [];
  const start = async (name: string, run: () => Promise<unknown>, again = '') => {
    const workers = await nginxWorkers(dir);
    const startedAt = performance.now();
    await run();
    await waitFor(`${name} served at ${lbUrl}`, async () => (await httpGet(lbUrl)).body === name, { timeoutMs: changeTimeoutMs });
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(2);
    took.push(`  ${name}${again}: ${seconds} s`);
    await reloadSettled(dir, workers);
    say(`  drcon register saw it start and registered it, drcon lb reloaded Nginx: its first request was served ${seconds} s after the start:`);
  };
  const stop = async (name: string, other: string) => {
    say(`  $ podman kill --signal TERM ${name}    # what \`docker stop\` sends first (Podman's own \`stop\` sends no kill event)`);
    const workers = await nginxWorkers(dir);
    const killedAt = performance.now();
    await podman('kill', '--signal', 'TERM', name);
    const change = await waitForChange(lbUrl, `${name} out of rotation`, async () => {
      for (let i = 0; i < 4; i++) if ((await httpGet(lbUrl)).body !== other) return false;
      return true;
    }, dir, workers);
    const stillRunning = (await podman('inspect', '-f', '{{.State.Running}}', name)) === 'true';
    say(`  drcon register drained it at the kill event: traffic left it ${change}${stillRunning ? ', while it still runs' : ''}.`);
    await podman('wait', name);
    await waitFor(`${name} deregistered`, async () => !Object.values((await consul.api('GET', '/v1/agent/services')) as Record<string, { Service: string; ID: string }>)
      .some((entry) => entry.ID.includes(`:${name}:`)), { timeoutMs: changeTimeoutMs });
    say(`  It exited ${stopDelayMs / 1000} s after SIGTERM, and was deregistered ${((performance.now() - killedAt) / 1000).toFixed(2)} s after the kill:`);
  };
  const run = (name: string, port: number) => {
    say(`  $ podman run -d --name ${name} -e SERVICE_NAME=${service} -e NAME=${name} -e STOP_DELAY_MS=${stopDelayMs} -p 127.0.0.1:${port}:80 --no-healthcheck ${backendImage}`);
    return containers.run({ name, healthcheck: false, publish: [{ container: 80, host: port }], env: { SERVICE_NAME: service, NAME: name, STOP_DELAY_MS: String(stopDelayMs) } });
  };
  // The container names are those the backends answer with; a run of its own makes them unique.
  const [first, second] = [`simple-1-${process.pid}`, `simple-2-${process.pid}`];

  heading('Step 2. Start a backend container with SERVICE_NAME=simple:');
  const firstPort = await freePort();
  await start(first, () => run(first, firstPort));
  await showRequests(lbUrl, 3);
  say();

  heading(`From now on a request loop asks ${lbUrl} every ${loopPauseMs} ms, each on a fresh connection, as curl does.`);
  const loop = startRequestLoop(lbUrl, loopPauseMs);
  await cleanups.add('the request loop', () => loop.stop());
  say();

  heading('Step 3. Start a second one, on another port:');
  await start(second, async () => run(second, await freePort()));
  await showRequests(lbUrl, 6, [first, second]);
  say();

  heading(`Step 4. Stop ${first}:`);
  await stop(first, second);
  await showRequests(lbUrl, 4);
  say();

  heading(`Step 5. Start ${first} again:`);
  say(`  $ podman start ${first}`);
  await start(first, () => podman('start', first), ' (started again)');
  await showRequests(lbUrl, 6, [first, second]);
  say();

  heading(`Step 6. Stop ${second}:`);
  await stop(second, first);
  await showRequests(lbUrl, 4);
  say();

  const result = await loop.stop();
  heading(`While containers started and stopped, the request loop sent ${result.sent} requests: ${result.failed} failed.${result.failed > 0 ? ` (${result.examples.join('; ')})` : ''}`);
  say('From start to the first request served through the load balancer:');
  for (const line of took) say(line);
  say();
}
