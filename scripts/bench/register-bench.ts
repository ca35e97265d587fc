// E. `drcon register`: a real Consul dev agent, Podman's Docker-compatible API on a socket of
// its own, real containers of the tiny backend image (test/register-containers/backend), drcon
// register following that API, and drcon lb sending traffic where the registrations say. Measures
// container start → passing in Consul and → first request served through drcon lb, stop (SIGTERM)
// → no more traffic, failed requests while containers come and go under steady traffic, and the
// register process's memory and idle CPU.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { backendImageExists, Backends, missingPodmanTools, podman, prepareBackendImage, startPodmanApi } from '../../harness/podman.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';
import { startBackendProcess } from './backend-process.ts';
import { Cleanups, terminateOnExit, withCleanups } from './cleanups.ts';
import { followEngineEvents, type EngineEvents } from './engine-events.ts';
import { maximum, percentile, type Figure, type Section } from './figures.ts';
import { startLb, type LbProcess } from './lb-process.ts';
import { LbPoller } from './lb-poller.ts';
import type { BenchContext, BenchMode } from './mode.ts';
import { watchPassing, type PassingWatch } from './passing-watch.ts';
import { processUsage } from './process-usage.ts';
import { startSteadyTraffic } from './soak-traffic.ts';

const service = 'simple';
const latencyContainers = 20;
const churnRounds = 10;
/** A backend keeps answering this long after SIGTERM, as a server finishing its requests would. */
const stopDelayMs = 1_500;
const idleSeconds = 20;
const roundTimeoutMs = 20_000;
const title = 'E. drcon register (Podman\'s Docker API, real containers, drcon lb)';

export const registerBench: BenchMode = {
  flag: 'register',
  describe: 'E. drcon register with real containers: start event → passing in Consul and → first request through drcon lb, stop → no more traffic, failed requests under start/stop, RSS and idle CPU (needs podman)',
  byDefault: false,
  run: (context) => withCleanups((cleanups) => measure(context, cleanups)),
};

interface Setup {
  consul: ConsulAgent;
  register: RunningDrcon;
  lb: LbProcess;
  events: EngineEvents;
  passing: PassingWatch;
  backends: Backends;
}

async function measure(context: BenchContext, cleanups: Cleanups): Promise<Section> {
  const unavailable = await containersUnavailable(context);
  if (unavailable) return { id: 'register', title, figures: [], notes: [`not measured: ${unavailable}`] };
  const { progress } = context;
  const root = mkdtempSync(join(tmpdir(), 'drcon-bench-register-'));
  chmodSync(root, 0o711); // Nginx workers (another user when run as root) pass through it
  cleanups.defer(() => rmSync(root, { recursive: true, force: true }));

  progress('E: starting consul agent -dev, Podman\'s API, drcon register and drcon lb');
  const consul = await startConsul();
  cleanups.defer(() => consul.destroy());
  const api = await startPodmanApi();
  cleanups.defer(() => api.destroy());
  const backends = new Backends('drcon-bench');
  cleanups.defer(() => backends.removeAll());
  // A backend outside the containers, so drcon lb always has an instance to send the rest to.
  const base = await startBackendProcess('base');
  cleanups.defer(() => base.stop());
  await consul.registerService({ ID: 'base', Name: service, Address: '127.0.0.1', Port: base.port });
  const register = startDrcon(['register', '-docker-host', api.dockerHost, '-status-addr', 'off', `consul://${consul.address}`]);
  terminateOnExit(register.process);
  cleanups.defer(() => register.stop());
  await register.waitForOutput(/ settings /, 30_000);
  // Live upstreams: containers coming and going are membership changes, which reach Nginx without
  // a reload, so no kept-alive connection is closed under the clients (the --lb mode compares both).
  const lb = startLb({ consulAddress: consul.address, service, port: await freePort(), dir: join(root, 'lb'), extraArgs: ['-status-addr', 'off', '-upstreams', 'live'] });
  cleanups.defer(() => lb.stop());
  await waitFor('drcon lb serving base', async () => (await fetch(lb.url).then((r) => r.text())).trim() === 'base', { timeoutMs: 30_000 });
  const events = await followEngineEvents(api.dockerHost);
  cleanups.defer(() => events.stop());
  const passing = watchPassing(consul.url, service);
  cleanups.defer(() => passing.stop());
  const setup: Setup = { consul, register, lb, events, passing, backends };

  const figures: Figure[] = [];
  const notes: string[] = [];
  const latency = await containerLatencies(setup, progress);
  figures.push(
    { id: 'start_to_passing_p50_ms', label: `start event → passing in Consul, p50 (${latency.passing.length} containers)`, value: percentile(latency.passing, 50), unit: 'ms' },
    { id: 'start_to_passing_p99_ms', label: 'start event → passing in Consul, p99', value: percentile(latency.passing, 99), unit: 'ms', target: { atMost: 50 } },
    { id: 'stage_event_read_p50_ms', label: '  stage: start event → read by the bench from an event stream of its own, p50', value: percentile(latency.eventRead, 50), unit: 'ms' },
    { id: 'stage_registered_p50_ms', label: '  stage: start event → registered (drcon register\'s log line), p50', value: percentile(latency.registered, 50), unit: 'ms' },
    { id: 'handling_p50_ms', label: '  drcon register\'s own share: start event read off its stream → registered, p50', value: percentile(latency.handling, 50), unit: 'ms' },
    { id: 'handling_p99_ms', label: '  drcon register\'s own share, p99', value: percentile(latency.handling, 99), unit: 'ms', target: { atMost: 50 } },
    { id: 'start_to_traffic_p50_ms', label: 'start event → first request served by it through drcon lb, p50', value: percentile(latency.traffic, 50), unit: 'ms' },
    { id: 'start_to_traffic_p99_ms', label: 'start event → first request served by it through drcon lb, p99', value: percentile(latency.traffic, 99), unit: 'ms' },
    { id: 'kill_to_not_passing_p50_ms', label: 'kill (SIGTERM) event → out of the passing list (drained), p50', value: percentile(latency.drained, 50), unit: 'ms' },
    { id: 'kill_to_no_traffic_p50_ms', label: 'kill (SIGTERM) event → last request served by it through drcon lb, p50', value: percentile(latency.lastServed, 50), unit: 'ms' },
    { id: 'kill_to_no_traffic_max_ms', label: 'kill (SIGTERM) event → last request served by it through drcon lb, max', value: maximum(latency.lastServed), unit: 'ms' },
  );
  notes.push(
    `start → passing spans the engine's own time of the start event (timeNano) to the moment the bench read a blocking query's answer from /v1/health/service/${service}?passing that lists the container's service; the containers have no check but drcon register's own (the image's HEALTHCHECK is off: --no-healthcheck), so registered is passing`,
    `traffic: one client polling drcon lb (-upstreams live) back to back on a keep-alive connection, with one other instance always there; stop is \`podman kill -s TERM\` (Podman's \`stop\` sends no kill event), the backend answering for ${stopDelayMs} ms more before it exits; the last request served by it is the last answer from it before its die event`,
    'the event stream: Podman delivers an event some time after its own timeNano; the bench reads a stream of its own beside drcon register\'s, on a busy machine later than drcon register may (its poller keeps it busy), so that stage is an upper bound',
    `each container in ms, start → passing: ${latency.passing.map(Math.round).join(' ')}; → first request: ${latency.traffic.map(Math.round).join(' ')}`,
  );
  if (latency.missed.length > 0) notes.push(`not measured: ${latency.missed.join('; ')}`);
  // A container is registered at its start event, which can come before its server listens: Nginx
  // then finds the port closed, sends the request to the other instance and leaves this one out
  // for its fail_timeout (10 s).
  const refused = (lb.log().match(/connect\(\) failed \(111: Connection refused\)/g) ?? []).length;
  notes.push(`connections Nginx found refused by a container during these rounds (its error log): ${refused}`);

  progress(`E: ${churnRounds} containers started and stopped under steady traffic`);
  const churn = await churnUnderTraffic(setup);
  figures.push(
    { id: 'churn_failed_fresh', label: `failed requests on fresh connections (curl-like) during ${churnRounds} start/stop rounds`, value: churn.fresh.failed, unit: 'req', target: { atMost: 0 } },
    { id: 'churn_failed_keepalive', label: 'failed requests on kept-alive connections, same rounds', value: churn.keepAlive.failed, unit: 'req', target: { atMost: 0 } },
  );
  notes.push(`churn traffic: 2 clients on fresh connections (${churn.fresh.ok + churn.fresh.failed} requests), 2 on kept-alive ones (${churn.keepAlive.ok + churn.keepAlive.failed}), one GET at a time each, 2 ms apart, nothing retried${churn.examples.length > 0 ? `; failures: ${churn.examples.join('; ')}` : ''}`);

  progress(`E: drcon register idle for ${idleSeconds} s`);
  await sleep(1_000);
  const before = processUsage(register.process.pid!);
  await sleep(idleSeconds * 1000);
  const after = processUsage(register.process.pid!);
  figures.push(
    { id: 'register_idle_cpu_percent', label: `drcon register CPU at idle (${idleSeconds} s, following the engine and the agent)`, value: ((after.cpuMs - before.cpuMs) / (idleSeconds * 1000)) * 100, unit: '%', target: { atMost: 0.5 } },
    { id: 'register_peak_rss_mb', label: 'drcon register peak RSS (VmHWM)', value: after.peakRssBytes / 2 ** 20, unit: 'MiB' },
    { id: 'register_cpu_total_s', label: 'drcon register CPU over the whole run', value: after.cpuMs / 1000, unit: 's' },
  );
  if (register.process.exitCode !== null) throw new Error(`drcon register exited: ${register.output().slice(-500)}`);
  return { id: 'register', title, figures, notes };
}

/** Why the containers cannot run here, or undefined when they can (the image built if allowed). */
async function containersUnavailable(context: BenchContext): Promise<string | undefined> {
  const missing = missingPodmanTools();
  if (missing.length > 0) return `${missing.join(' and ')} not installed (\`bash test/container/run.sh backend\` installs them and builds the backend image)`;
  if (await backendImageExists()) return undefined;
  if (!context.allowInstall) return 'the backend image is not built (`bash test/container/run.sh backend`; --no-install)';
  context.progress('E: building the backend image (test/container/run.sh backend)');
  return prepareBackendImage().then(() => undefined, (error: Error) => `the backend image could not be built: ${error.message.split('\n')[0]}`);
}

/** One container at a time: started, timed until passing and served, stopped, timed until unserved. */
async function containerLatencies(setup: Setup, progress: (message: string) => void) {
  const { events, passing, lb, register } = setup;
  const result = { passing: [] as number[], eventRead: [] as number[], registered: [] as number[], handling: [] as number[], traffic: [] as number[], drained: [] as number[], lastServed: [] as number[], missed: [] as string[] };
  const poller = new LbPoller(lb.url);
  const epoch = (at: number) => performance.timeOrigin + at;
  try {
    for (let round = 0; round < latencyContainers; round++) {
      if (round % 5 === 0) progress(`E: container ${round + 1}/${latencyContainers}`);
      const name = `bench-${process.pid}-${round}`;
      const port = await freePort();
      const served = poller.firstAnswerFrom(name, roundTimeoutMs);
      const id = await startContainer(setup, name, port);
      const serviceId = `${hostname()}:${name}:80`;
      const [started, passingAt, first] = await Promise.all([events.next(id, 'start', roundTimeoutMs), passing.passing(serviceId, roundTimeoutMs), served]);
      if (!started || passingAt === undefined || !first) {
        result.missed.push(`${name}: ${!started ? 'no start event' : passingAt === undefined ? 'never passing' : 'never served'}`);
      } else {
        result.passing.push(passingAt - started.at);
        result.eventRead.push(started.readAt - started.at);
        result.traffic.push(epoch(first.at) - started.at);
        const line = new RegExp(`^(\\S+) INFO  \\+${service} 127\\.0\\.0\\.1:${port} \\(container ${id.slice(0, 12)}`, 'm').exec(register.output());
        if (line) result.registered.push(Date.parse(line[1]!) - started.at);
        const handling = new RegExp(`\\+${service} 127\\.0\\.0\\.1:${port} \\(container ${id.slice(0, 12)}.* handlingMs=([0-9.]+)`).exec(register.output());
        if (handling) result.handling.push(Number(handling[1]));
      }
      await podman('kill', '-s', 'TERM', id);
      const died = events.next(id, 'die', roundTimeoutMs);
      const [killed, drainedAt, lastServed] = await Promise.all([events.next(id, 'kill', roundTimeoutMs), passing.gone(serviceId, roundTimeoutMs), poller.lastAnswerFrom(name, died)]);
      if (killed && drainedAt !== undefined) result.drained.push(drainedAt - killed.at);
      if (killed && lastServed !== undefined) result.lastServed.push(epoch(lastServed) - killed.at);
      await deregistered(setup.consul, serviceId);
    }
  } finally {
    await poller.close();
  }
  return result;
}

/** Containers started and stopped one after the other while steady traffic runs. */
async function churnUnderTraffic(setup: Setup) {
  const { events, lb } = setup;
  const traffic = startSteadyTraffic(lb.url, 2, 2);
  const rounds = (async () => {
    for (let round = 0; round < churnRounds; round++) {
      const name = `churn-${process.pid}-${round}`;
      const id = await startContainer(setup, name, await freePort());
      await waitFor(`${name} served`, () => traffic.answeredBy().has(name), { timeoutMs: roundTimeoutMs, intervalMs: 5 });
      await podman('kill', '-s', 'TERM', id);
      await events.next(id, 'die', roundTimeoutMs);
      await deregistered(setup.consul, `${hostname()}:${name}:80`);
    }
  })();
  // The traffic stops, whatever happened to the rounds.
  await rounds.finally(() => traffic.stop());
  const result = await traffic.stop();
  return { ...result, examples: [...result.fresh.examples, ...result.keepAlive.examples].slice(0, 5) };
}

function startContainer(setup: Setup, name: string, port: number): Promise<string> {
  return setup.backends.run({
    name, healthcheck: false, publish: [{ container: 80, host: port }],
    env: { SERVICE_NAME: service, NAME: name, STOP_DELAY_MS: String(stopDelayMs) },
  });
}

function deregistered(consul: ConsulAgent, serviceId: string): Promise<true> {
  return waitFor(`${serviceId} deregistered`, async () => !(serviceId in ((await consul.api('GET', '/v1/agent/services')) as object)), { timeoutMs: roundTimeoutMs });
}
