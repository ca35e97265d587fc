// B. `drcon lb`: a real Consul dev agent, drcon lb (running its Nginx) and HTTP backends, all as
// separate processes on loopback. Measures how soon a registered instance gets traffic, how many
// Nginx reloads a burst costs, failed requests while instances come and go, and throughput
// against the same Nginx with a static upstream: for -upstreams reload and -upstreams live, each
// figure of one beside the same of the other.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBackend } from '../../harness/backend.ts';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';
import { startBackendProcess, type BackendProcess } from './backend-process.ts';
import { Cleanups, withCleanups } from './cleanups.ts';
import { maximum, percentile, type Figure, type Section, type Target } from './figures.ts';
import { startLb, type LbProcess } from './lb-process.ts';
import { LbPoller } from './lb-poller.ts';
import { loadTool, type LoadResult, type LoadTool } from './load.ts';
import type { BenchContext, BenchMode } from './mode.ts';
import { newWorkerStarted, workerPids, WorkerGenerations } from './nginx-workers.ts';
import { processUsage } from './process-usage.ts';
import { startSteadyTraffic } from './soak-traffic.ts';
import { startStaticNginx, type StaticNginxOptions } from './static-nginx.ts';

const service = 'web';
const latencyChanges = 20;
const burstChanges = 200;
const loadSeconds = 5;
/** Runs of each setup, alternating; a figure is their median. */
const loadRounds = 3;
const warmUpSeconds = 1;
/** After a deregistration, before the next change: drcon's default min-interval (200 ms) and a reload. */
const settleMs = 400;
/** Instances registered and removed under steady traffic (each is two changes). */
const churnRounds = 10;

type Upstreams = 'reload' | 'live';

export const lbBench: BenchMode = {
  flag: 'lb',
  describe: 'B. drcon lb, -upstreams reload and live: register→first request served, reloads per burst, failed requests under churn, requests/s vs static Nginx',
  byDefault: true,
  run: (context) => withCleanups((cleanups) => measure(context, cleanups)),
};

async function measure(context: BenchContext, cleanups: Cleanups): Promise<Section> {
  const { progress } = context;
  const root = mkdtempSync(join(tmpdir(), 'drcon-bench-lb-'));
  chmodSync(root, 0o711); // Nginx workers (another user when run as root) pass through it
  cleanups.defer(() => rmSync(root, { recursive: true, force: true }));
  const load = await loadTool(context); // before anything runs: an install may take a while

  progress('B: starting consul agent -dev and a backend');
  const consul = await startConsul();
  cleanups.defer(() => consul.stop());
  const base = await startBackendProcess('base');
  cleanups.defer(() => base.stop());
  await register(consul, 'base', base.port);
  const reload = await measureMode('reload', { context, cleanups, consul, base, root, load });
  const live = await measureMode('live', { context, cleanups, consul, base, root, load });
  // Side by side: each figure of reload, then the same of live.
  const figures = reload.figures.flatMap((figure) => [figure, ...live.figures.filter((other) => other.id === `live_${figure.id}`)]);
  figures.push(...live.figures.filter((figure) => !figures.includes(figure)));
  return { id: 'lb', title: 'B. drcon lb (-upstreams reload, then live)', figures, notes: [...reload.notes, ...live.notes] };
}

interface ModeSetup {
  context: BenchContext;
  cleanups: Cleanups;
  consul: ConsulAgent;
  base: BackendProcess;
  root: string;
  load: LoadTool;
}

/** Live's targets (the issue's); reload has its own on the burst only. */
const liveTargets: Record<string, Target> = {
  register_to_traffic_p99_ms: { atMost: 20 },
  burst_reloads: { atMost: 0 },
  churn_failed_keepalive: { atMost: 0 },
  rps_ratio_lb_to_static: { atLeast: 0.9 },
};

async function measureMode(upstreams: Upstreams, setup: ModeSetup): Promise<Section> {
  const { context, cleanups, consul, base, load } = setup;
  const { progress } = context;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const root = join(setup.root, upstreams);
  progress(`B: starting drcon lb -upstreams ${upstreams}`);
  // Debug level: each check's duration is logged ("check ok … ms=N").
  const lb = startLb({
    consulAddress: consul.address, service, port: await freePort(), dir: join(root, 'lb'),
    extraArgs: ['-log-level', 'debug', '-upstreams', upstreams, '-status-addr', `127.0.0.1:${await freePort()}`],
  });
  cleanups.defer(() => lb.stop());
  await waitFor('drcon lb serving base', async () => (await fetch(lb.url).then((r) => r.text())).trim() === 'base', { timeoutMs: 30_000 });

  const logBefore = lb.log().length;
  const latency = await registerToFirstAnswer(consul, lb, upstreams, progress);
  const checks = [...lb.log().slice(logBefore).matchAll(/ DEBUG +check ok .*\bms=(\d+)/g)].map((match) => Number(match[1]));
  figures.push(
    { id: 'register_to_traffic_p50_ms', label: `register returned → first request served by it, p50 (${latency.samples.length} changes)`, value: percentile(latency.samples, 50), unit: 'ms' },
    { id: 'register_to_traffic_p99_ms', label: 'register returned → first request served by it, p99', value: percentile(latency.samples, 99), unit: 'ms' },
    { id: 'register_to_traffic_max_ms', label: 'register returned → first request served by it, max', value: maximum(latency.samples), unit: 'ms' },
    { id: 'stage_register_to_new_workers_p50_ms', label: '  stage: register returned → new Nginx workers running, p50', value: percentile(latency.reloads, 50), unit: 'ms' },
    { id: 'stage_nginx_check_p50_ms', label: `  stage: one \`nginx -t\` as drcon ran it, p50 (${checks.length} checks)`, value: percentile(checks, 50), unit: 'ms' },
    { id: 'stage_new_workers_to_traffic_p50_ms', label: '  stage: new workers running → first request served by the instance, p50', value: percentile(latency.afterReload, 50), unit: 'ms' },
  );
  notes.push(
    `${upstreams}: traffic latency: one client polling the balancer back to back on a keep-alive connection; ${latency.pollErrors} of ${latency.polls} polls failed (connections closed by old workers at a reload)${upstreams === 'reload' ? '; new workers seen in /proc' : ''}; each change in ms: ${latency.samples.map((sample) => Math.round(sample)).join(' ')}`,
  );
  if (latency.samples.length < latencyChanges) notes.push(`${latencyChanges - latency.samples.length} new instances got no request within 5 s`);

  progress(`B: ${upstreams}: ${churnRounds} instances registered and removed under steady traffic`);
  const churn = await churnUnderTraffic(consul, lb, upstreams);
  figures.push(
    { id: 'churn_failed_keepalive', label: `failed requests on kept-alive connections while ${churnRounds * 2} changes come (of all sent)`, value: churn.keepAlive.failed, unit: 'req' },
    { id: 'churn_failed_fresh', label: 'failed requests on fresh connections, same changes', value: churn.fresh.failed, unit: 'req' },
  );
  notes.push(`${upstreams}: churn traffic: 2 clients on kept-alive connections (${churn.keepAlive.ok + churn.keepAlive.failed} requests), 2 on fresh ones (${churn.fresh.ok + churn.fresh.failed}), one GET at a time each, 2 ms apart; nothing retried by the clients${churn.examples.length > 0 ? `; failures: ${churn.examples.join('; ')}` : ''}`);

  progress(`B: ${upstreams}: throughput`);
  const two = await startBackendProcess('two');
  cleanups.defer(() => two.stop());
  await register(consul, 'two', two.port);
  await waitFor('both backends served', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add((await fetch(lb.url).then((r) => r.text())).trim());
    return names.has('base') && names.has('two');
  });
  await sleep(settleMs);
  const throughput = await compareThroughput(lb, [base, two], root, load, cleanups, progress);
  await consul.deregisterService('two');
  figures.push(
    { id: 'rps_drcon_lb', label: 'requests/s through drcon lb (2 backends)', value: throughput.lb, unit: 'req/s' },
    { id: 'rps_static_nginx', label: 'requests/s, same Nginx and backends, static upstream', value: throughput.drained, unit: 'req/s' },
    { id: 'rps_ratio_lb_to_static', label: 'drcon lb / static', value: throughput.lb / throughput.drained, unit: '×' },
    { id: 'nginx_worker_us_per_request_lb', label: 'Nginx workers\' CPU per request through drcon lb', value: throughput.lbWorkerUs, unit: 'µs' },
    { id: 'nginx_worker_us_per_request_static', label: 'Nginx workers\' CPU per request, static upstream', value: throughput.drainedWorkerUs, unit: 'µs' },
    { id: 'nginx_worker_cpu_ratio_lb_to_static', label: 'drcon lb / static, workers\' CPU per request', value: throughput.lbWorkerUs / throughput.drainedWorkerUs, unit: '×' },
    { id: 'rps_static_nginx_own_session', label: '  static, Nginx in a session of its own (as drcon starts it)', value: throughput.ownSession, unit: 'req/s' },
    { id: 'rps_ratio_lb_to_static_own_session', label: '  drcon lb / static in a session of its own', value: throughput.lb / throughput.ownSession, unit: '×' },
    { id: 'rps_static_nginx_devnull', label: '  static, access log to /dev/null instead of a drained FIFO', value: throughput.devnull, unit: 'req/s' },
    { id: 'drcon_cpu_during_load_percent', label: 'drcon process CPU while under load (relaying the access log)', value: throughput.drconCpuPercent, unit: '%' },
  );
  notes.push(
    `${upstreams}: load: ${load.description}; after a ${warmUpSeconds} s warm-up, runs of ${loadSeconds} s alternate static, lb, static in its own session, ${loadRounds} times, then static to /dev/null; figures of several runs are their medians; workers' CPU from /proc (all workers of the master, summed, over the run's requests): ${throughput.runs}`,
    'every backend is a separate Node process; wrk, Nginx and the backends share this machine\'s CPUs, so the figures compare setups, they do not rate Nginx',
    `access log: drcon lb's Nginx writes it to a FIFO that drcon reads and copies to its stdout, which the bench reads and discards (${(lb.accessLogBytes() / 2 ** 20).toFixed(1)} MiB in all); the static Nginx writes to the same kind of FIFO, read by the bench directly`,
    `failed or non-2xx requests under load: ${throughput.failures}`,
  );

  progress(`B: ${upstreams}: burst of ${burstChanges} registrations`);
  const burst = await burstReloads(consul, lb, upstreams);
  figures.push(
    { id: 'burst_reloads', label: `burst of ${burstChanges} changes: Nginx reloads (configs written and passed nginx -t)`, value: burst.reloads, unit: 'reloads', target: { atMost: 8 } },
    { id: 'burst_worker_generations', label: 'burst: new Nginx worker generations seen (cross-check)', value: burst.generations, unit: 'gens' },
    { id: 'burst_final_config_ms', label: `burst: last change returned → final ${upstreams === 'reload' ? 'app.conf' : 'live/peers.txt'} in place`, value: burst.finalConfigMs, unit: 'ms' },
  );
  notes.push(
    `${upstreams}: reloads counted from drcon's log: each "rendered" line is one app.conf written; it is checked with nginx -t and, when it passes, Nginx gets SIGHUP (${burst.checkFailures} checks failed); cross-checked by new worker PIDs under the Nginx master (${burst.workersPerGeneration} workers per generation)`,
    'drcon lb flags: defaults (-min-interval 200ms, no -wait, status server on)',
  );

  const usage = processUsage(lb.pid);
  figures.push(
    { id: 'lb_rss_mb', label: 'drcon lb RSS at the end (Nginx not included)', value: usage.rssBytes / 2 ** 20, unit: 'MiB' },
    { id: 'lb_cpu_total_s', label: 'drcon lb CPU over the whole run (own)', value: usage.cpuMs / 1000, unit: 's' },
  );
  if (!lb.running()) throw new Error(`drcon lb exited: ${lb.log().slice(-500)}`);
  await lb.stop();
  // One at a time, as they were registered: the agent takes at most 200 connections from a client.
  for (let index = 0; index < burstChanges; index++) await consul.deregisterService(`burst-${20_000 + index}`);
  if (upstreams === 'reload') return { id: 'lb', title: 'B. drcon lb', figures, notes };
  const labelled = figures
    .filter((figure) => !figure.id.startsWith('stage_')) // the stages of a reload
    .map((figure) => ({ ...figure, id: `live_${figure.id}`, label: `  live: ${figure.label.trim()}`, target: liveTargets[figure.id] }));
  return { id: 'lb', title: 'B. drcon lb', figures: labelled, notes };
}

function register(consul: ConsulAgent, id: string, port: number): Promise<void> {
  return consul.registerService({ ID: id, Name: service, Address: '127.0.0.1', Port: port });
}

/** Each change: a new backend registered (timed until it answers through Nginx), then removed. */
async function registerToFirstAnswer(consul: ConsulAgent, lb: LbProcess, upstreams: Upstreams, progress: (message: string) => void) {
  const poller = new LbPoller(lb.url);
  try {
    // The first change as the others: its client connected (a first request costs the bench
    // more), and drcon's first render, which ran a reload command (a no-op before Nginx ran),
    // -min-interval behind it. Right after start it was paced to 200 ms after that render.
    await poller.firstAnswerFrom('base', 5_000);
    await sleep(settleMs);
    return await timeChanges(consul, lb, poller, upstreams, progress);
  } finally {
    await poller.close();
  }
}

async function timeChanges(consul: ConsulAgent, lb: LbProcess, poller: LbPoller, upstreams: Upstreams, progress: (message: string) => void) {
  const samples: number[] = [];
  const reloads: number[] = [];
  const afterReload: number[] = [];
  let polls = 0;
  let pollErrors = 0;
  for (let change = 0; change < latencyChanges; change++) {
    if (change % 5 === 0) progress(`B: traffic latency change ${change + 1}/${latencyChanges}`);
    const name = `new-${change}`;
    const backend = await startBackend(name);
    const master = Number(readFileSync(lb.nginxPidFile, 'utf8'));
    const workersBefore = new Set(workerPids(master));
    // The poller runs before and during the change, as a client would.
    const answered = poller.firstAnswerFrom(name, 5_000);
    await register(consul, name, backend.port);
    const registeredAt = performance.now();
    // Live upstreams start no workers: nothing to wait for.
    const [first, reloadedAt] = await Promise.all([answered, upstreams === 'reload' ? newWorkerStarted(master, workersBefore, 5_000) : undefined]);
    if (first) {
      samples.push(first.at - registeredAt);
      polls += first.requests;
      pollErrors += first.errors;
    }
    if (reloadedAt !== undefined) reloads.push(reloadedAt - registeredAt);
    if (first && reloadedAt !== undefined) afterReload.push(first.at - reloadedAt);
    await consul.deregisterService(name);
    await sleep(settleMs);
    await backend.close();
  }
  return { samples, reloads, afterReload, polls, pollErrors };
}

interface LoadTarget {
  readonly name: string;
  readonly url: string;
  /** The Nginx master's pid now (drcon lb's changes when drcon restarts it). */
  master(): number;
}

/** CPU of an Nginx's workers so far: per request, it says what the balancer costs on a busy machine too. */
function workersCpuMs(master: number): number {
  return workerPids(master).reduce((sum, pid) => sum + processUsage(pid).cpuMs, 0);
}

async function compareThroughput(lb: LbProcess, backends: BackendProcess[], root: string, load: LoadTool, cleanups: Cleanups, progress: (message: string) => void) {
  const ports = backends.map((backend) => backend.port);
  const startStatic = async (name: string, options: StaticNginxOptions): Promise<LoadTarget> => {
    const nginx = await startStaticNginx(join(root, `static-${name.replace(/\W+/g, '-')}`), await freePort(), ports, options);
    cleanups.defer(() => nginx.stop());
    await waitFor('static nginx serving', async () => (await fetch(nginx.url)).status === 200);
    return { name, url: nginx.url, master: () => nginx.pid };
  };
  const lbTarget: LoadTarget = { name: 'drcon lb', url: lb.url, master: () => Number(readFileSync(lb.nginxPidFile, 'utf8')) };
  const drained = await startStatic('static', { sink: 'drained', ownSession: false });
  const ownSession = await startStatic('static, own session', { sink: 'drained', ownSession: true });
  const devnull = await startStatic('static, /dev/null', { sink: 'devnull', ownSession: false });

  progress(`B: warming up (${warmUpSeconds} s on each)`);
  for (const target of [drained, lbTarget, ownSession]) await load.run(target.url, warmUpSeconds);
  const results: { name: string; result: LoadResult; workerUsPerRequest: number }[] = [];
  let drconCpuMs = 0;
  let lbLoadMs = 0;
  // Alternating, so that a change in what else the machine does is shared out between setups.
  const rounds = Array.from({ length: loadRounds }, () => [drained, lbTarget, ownSession]).flat();
  for (const target of [...rounds, devnull]) {
    progress(`B: load on ${target.name} (${loadSeconds} s)`);
    const before = processUsage(lb.pid).cpuMs;
    const master = target.master();
    const workersBefore = workersCpuMs(master);
    const startedAt = performance.now();
    const result = await load.run(target.url, loadSeconds);
    const workerUsPerRequest = ((workersCpuMs(master) - workersBefore) * 1000) / result.requests;
    if (target === lbTarget) {
      drconCpuMs += processUsage(lb.pid).cpuMs - before;
      lbLoadMs += performance.now() - startedAt;
    }
    results.push({ name: target.name, result, workerUsPerRequest });
  }
  const median = (target: LoadTarget, of: (entry: (typeof results)[number]) => number) =>
    percentile(results.filter((entry) => entry.name === target.name).map(of), 50) ?? NaN;
  const rate = (target: LoadTarget) => median(target, (entry) => entry.result.requestsPerSecond);
  const cpu = (target: LoadTarget) => median(target, (entry) => entry.workerUsPerRequest);
  return {
    lb: rate(lbTarget),
    drained: rate(drained),
    ownSession: rate(ownSession),
    devnull: rate(devnull),
    lbWorkerUs: cpu(lbTarget),
    drainedWorkerUs: cpu(drained),
    drconCpuPercent: (drconCpuMs / lbLoadMs) * 100,
    failures: results.reduce((sum, { result }) => sum + result.errors + result.badStatus, 0),
    runs: results.map(({ name, result, workerUsPerRequest }) => `${name} ${Math.round(result.requestsPerSecond)}${result.p99Ms === undefined ? '' : ` (p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms)`}, workers ${workerUsPerRequest.toFixed(1)} µs/req`).join('; '),
  };
}

/** Instances registered and removed, one after the other, while steady traffic runs. */
async function churnUnderTraffic(consul: ConsulAgent, lb: LbProcess, upstreams: Upstreams) {
  const traffic = startSteadyTraffic(lb.url, 2, 2);
  for (let round = 0; round < churnRounds; round++) {
    const name = `churn-${upstreams}-${round}`;
    const backend = await startBackend(name);
    await register(consul, name, backend.port);
    await waitFor(`${name} served`, () => backend.hits > 0, { timeoutMs: 5_000, intervalMs: 5 }).catch(() => undefined);
    await consul.deregisterService(name);
    await sleep(settleMs); // as for the latency changes: no request is sent to it after this
    await backend.close();
  }
  const result = await traffic.stop();
  return { ...result, examples: [...result.keepAlive.examples, ...result.fresh.examples].slice(0, 5) };
}

async function burstReloads(consul: ConsulAgent, lb: LbProcess, upstreams: Upstreams) {
  const workers = new WorkerGenerations(Number(readFileSync(lb.nginxPidFile, 'utf8')));
  workers.start();
  const logStart = lb.log().length;
  const ports = Array.from({ length: burstChanges }, (_, index) => 20_000 + index);
  // Nothing listens on these ports and no request is sent while they are registered: only the
  // configuration matters here.
  for (const port of ports) await register(consul, `burst-${port}`, port);
  const lastChangeAt = performance.now();
  // Live upstreams keep the instances out of app.conf: the last lists sent are in live/peers.txt.
  const complete = () => {
    const lists = readFileSync(upstreams === 'reload' ? lb.appConfig : join(lb.dir, 'live', 'peers.txt'), 'utf8');
    return ports.every((port) => lists.includes(upstreams === 'reload' ? `server 127.0.0.1:${port} ` : `peer 127.0.0.1 ${port} `));
  };
  await waitFor('final burst config', complete, { timeoutMs: 30_000, intervalMs: 2 });
  const finalConfigMs = performance.now() - lastChangeAt;
  // Then quiet: no new "rendered" line for 1.5 s.
  const rendered = () => (lb.log().slice(logStart).match(/ rendered /g) ?? []).length;
  let count = rendered();
  let changedAt = performance.now();
  while (performance.now() - changedAt < 1_500) {
    await sleep(50);
    if (rendered() !== count) (count = rendered(), changedAt = performance.now());
  }
  const checkFailures = (lb.log().slice(logStart).match(/check failed/g) ?? []).length;
  const generations = workers.stop();
  return { reloads: count - checkFailures, checkFailures, finalConfigMs, generations: generations.generations, workersPerGeneration: generations.workersPerGeneration };
}
