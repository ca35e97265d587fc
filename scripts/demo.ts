// `npm run demo`: the DR CoN walkthrough on one machine, without Docker. A Consul dev agent,
// `drcon lb` (Nginx reconfigured from Consul) and two small backends registered through Consul's
// HTTP API, with the traffic shown as instances come and go; with --containers, real containers
// registered by drcon register instead (scripts/demo/containers.ts). Then it serves until Ctrl-C
// (or exits at once with --once), stopping everything it started.
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../harness/consul.ts';
import { startBackend, type Backend } from '../harness/backend.ts';
import { waitFor } from '../harness/wait.ts';
import { freePort } from '../harness/ports.ts';
import { parseDemoArgs, usage, type DemoOptions } from './demo/options.ts';
import { chooseListenPort } from './demo/listen-port.ts';
import { httpGet } from './demo/http-get.ts';
import { Cleanups } from './demo/cleanups.ts';
import { startLb } from './demo/lb-process.ts';
import { containersUnavailable, containersWalkthrough } from './demo/containers.ts';
import { changeTimeoutMs, heading, nginxWorkers, say, showRequests, stopNarration, unlessStopping, waitForChange } from './demo/narration.ts';

const host = '127.0.0.1';
const service = 'simple';

interface Demo {
  consul: ConsulAgent;
  /** "http://127.0.0.1:PORT/" of the load balancer. */
  lbUrl: string;
  /** The load balancer's Nginx directory (its pid file tells when a reload has settled). */
  dir: string;
}

process.exit(await main());

async function main(): Promise<number> {
  let options: DemoOptions;
  try {
    const parsed = parseDemoArgs(process.argv.slice(2), process.env);
    if (parsed === 'help') return say(usage), 0;
    options = parsed;
  } catch (error) {
    console.error(`demo: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  const unavailable = options.containers ? containersUnavailable() : undefined;
  if (unavailable) {
    console.error(`demo: ${unavailable}`);
    return 1;
  }

  // The walkthrough ends early on Ctrl-C (or SIGTERM), or when drcon dies under it.
  let interrupt: (reason: 'signal' | Error) => void = () => {};
  const interrupted = new Promise<'signal' | Error>((resolve) => (interrupt = resolve));
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return; // a second Ctrl-C while stopping: the stop is bounded already
    signalled = true;
    stopNarration();
    say(`\n${signal}: stopping everything the demo started...`);
    interrupt('signal');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const cleanups = new Cleanups();
  const workDir = await mkdtemp(join(tmpdir(), 'drcon-demo-'));
  await chmod(workDir, 0o711); // Nginx workers (another user when run as root) pass through it
  const logFile = join(workDir, 'drcon.log');
  let status = 0;
  const walkthrough = run(options, workDir, logFile, cleanups, interrupt);
  try {
    const outcome = await Promise.race([walkthrough.then(() => 'done' as const), interrupted]);
    if (outcome instanceof Error) throw outcome;
    if (outcome === 'done' && !options.exitAfterWalkthrough) {
      const reason = await interrupted;
      if (reason instanceof Error) throw reason;
    }
  } catch (error) {
    console.error(`demo: ${(error as Error).message}`);
    status = 1;
  } finally {
    stopNarration();
    const stopped = await cleanups.run();
    // An interrupted step may be starting something right now: cleanups stops it as it is added.
    await Promise.race([walkthrough.catch(() => undefined), sleep(3_000)]);
    await rm(join(workDir, 'nginx'), { recursive: true, force: true });
    if (stopped.length > 0) say(`Stopped: ${stopped.join(', ')}.`);
    say(`drcon's log stays at ${logFile}`);
  }
  return status;
}

async function run(
  options: DemoOptions,
  workDir: string,
  logFile: string,
  cleanups: Cleanups,
  fail: (error: Error) => void,
): Promise<void> {
  say(options.containers
    ? 'drcon demo: the DR CoN walkthrough on this machine, with real containers (podman) and drcon register.'
    : 'drcon demo: the DR CoN walkthrough on this machine, without Docker.');
  say();
  const { consul, lbUrl, dir } = await startServices(options, workDir, logFile, cleanups, fail);
  heading('The load balancer is up. Try it yourself, from another terminal:');
  say();
  say(`    curl ${lbUrl}`);
  say();
  if (options.containers) {
    await containersWalkthrough({ consul, lbUrl, dir, workDir, cleanups, fail });
    return walkthroughDone(options, lbUrl, [`  Consul's UI:            ${consul.url}/ui/`]);
  }

  heading(`Step 1. No instance of service "${service}" is registered yet, so Nginx answers 503:`);
  await showRequests(lbUrl, 1);
  say();

  const first = await startDemoBackend('simple-1', cleanups);
  heading(`Step 2. Start backend simple-1 on ${host}:${first.port} and register it with Consul:`);
  let workers = await nginxWorkers(dir);
  await register(consul, first);
  let took = await waitForChange(lbUrl, 'simple-1 answering', async () => (await httpGet(lbUrl)).body === 'simple-1', dir, workers);
  say(`  drcon saw the change, rendered the new app.conf, checked it and reloaded Nginx (${took}):`);
  await showRequests(lbUrl, 3);
  say();

  const second = await startDemoBackend('simple-2', cleanups);
  heading(`Step 3. Start backend simple-2 on ${host}:${second.port} and register it as well:`);
  workers = await nginxWorkers(dir);
  await register(consul, second);
  took = await waitForChange(lbUrl, 'simple-2 answering', async () => (await httpGet(lbUrl)).body === 'simple-2', dir, workers);
  say(`  Nginx now balances over both instances (${took}):`);
  await showRequests(lbUrl, 6, ['simple-1', 'simple-2']);
  say();

  heading('Step 4. Deregister simple-1 (its process keeps running):');
  say(`  $ curl -X PUT ${consul.url}/v1/agent/service/deregister/simple-1`);
  workers = await nginxWorkers(dir);
  await consul.deregisterService('simple-1');
  took = await waitForChange(lbUrl, 'simple-1 out of rotation', async () => {
    for (let i = 0; i < 4; i++) if ((await httpGet(lbUrl)).body !== 'simple-2') return false;
    return true;
  }, dir, workers);
  const hitsBefore = first.hits;
  say(`  Traffic leaves it (${took}):`);
  await showRequests(lbUrl, 4);
  say(`  simple-1 received ${first.hits - hitsBefore} of these requests.`);
  say();

  walkthroughDone(options, lbUrl, [
    `  Bring simple-1 back:    ${registerCommand(consul, first)}`,
    `  Take simple-2 out:      curl -X PUT ${consul.url}/v1/agent/service/deregister/simple-2`,
    `  Consul's UI:            ${consul.url}/ui/`,
  ]);
}

/** The end of a walkthrough: stop (--once), or what to try while the demo keeps running. */
function walkthroughDone(options: DemoOptions, lbUrl: string, hints: string[]): void {
  if (options.exitAfterWalkthrough) return heading('Walkthrough done; stopping (--once).');
  heading('Walkthrough done. The demo keeps running: press Ctrl-C to stop it and everything it started.');
  say(`  Ask the load balancer:  curl ${lbUrl}`);
  for (const hint of hints) say(hint);
}

/** Consul, then drcon lb on the wanted port (or a free one), ready once it serves its first render. */
async function startServices(
  options: DemoOptions,
  workDir: string,
  logFile: string,
  cleanups: Cleanups,
  fail: (error: Error) => void,
): Promise<Demo> {
  requireConsul();
  heading('Starting a Consul agent in dev mode...');
  const consul = await startConsul({ bind: host });
  await cleanups.add('the Consul agent', () => consul.stop());
  say(`  Consul's HTTP API: ${consul.url}`);

  const { port, replacedBusy } = await chooseListenPort(options.port, host);
  if (replacedBusy) say(`Port ${options.port} is busy on ${host}; the load balancer takes port ${port} instead (--port N to choose).`);
  const listen = `${host}:${port}`;
  const lbUrl = `http://${listen}/`;
  say('Starting the load balancer, drcon lb, which runs Nginx and rewrites its config from Consul:');
  const dir = join(workDir, 'nginx');
  // Not the default 127.0.0.1:9600, which another drcon on this machine may hold.
  const statusAddress = `${host}:${await freePort(host)}`;
  say(`  $ node src/main.ts lb -consul-addr ${consul.address} -service ${service} -listen ${listen} -dir ${dir} -status-addr ${statusAddress}`);
  unlessStopping();
  const lb = startLb({ consulAddress: consul.address, service, listen, dir, statusAddress, logFile });
  await cleanups.add('drcon lb and its Nginx', async () => {
    const wasRunning = lb.running; // if not, its exit was reported already
    const how = await lb.stop();
    // SIGTERM itself ends a drcon stopped before it set up its signal handling.
    if (wasRunning && how !== 'code 0' && how !== 'signal SIGTERM') console.error(`demo: drcon lb ended with ${how}`);
  });
  say(`  Its log, with Nginx's access log: ${logFile}`);
  say(`  Its health and metrics: http://${statusAddress}/health  http://${statusAddress}/metrics`);
  // Once running, drcon must stay up: if it exits, the demo stops and shows why.
  void lb.exited.then(async (how) => {
    if (lb.stopRequested) return;
    fail(new Error(`drcon lb exited (${how}); the end of its log:\n${await logTail(logFile)}`));
  });
  await waitFor(
    'the load balancer to serve its first render',
    async () => !lb.running || (await httpGet(lbUrl)).body.startsWith('no healthy instance'),
    { timeoutMs: changeTimeoutMs },
  );
  say();
  return { consul, lbUrl, dir };
}

function requireConsul(): void {
  try {
    execFileSync('consul', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('consul is not installed (not on PATH): `bash scripts/setup.sh` installs it, as `npm run demo` does');
  }
}

async function startDemoBackend(name: string, cleanups: Cleanups): Promise<Backend> {
  unlessStopping();
  const backend = await startBackend(name, host);
  await cleanups.add(name, () => backend.close());
  return backend;
}

function registration(backend: Backend) {
  return { ID: backend.name, Name: service, Address: host, Port: backend.port };
}

function registerCommand(consul: ConsulAgent, backend: Backend): string {
  return `curl -X PUT -d '${JSON.stringify(registration(backend))}' ${consul.url}/v1/agent/service/register`;
}

async function register(consul: ConsulAgent, backend: Backend): Promise<void> {
  say(`  $ ${registerCommand(consul, backend)}`);
  await consul.registerService(registration(backend));
}

/** drcon's last log lines, without Nginx's access log lines ("127.0.0.1 - - [date] ..."). */
async function logTail(logFile: string, lines = 15): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const drconLines = text.split('\n').filter((line) => line.length > 0 && !/^\S+ - \S+ \[/.test(line));
  return drconLines.slice(-lines).map((line) => `  | ${line}`).join('\n');
}
