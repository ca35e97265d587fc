// `npm run demo`: the DR CoN walkthrough on one machine, without Docker. A Consul dev agent,
// `drcon lb` (Nginx reconfigured from Consul) and two small backends registered through Consul's
// HTTP API, with the traffic shown as instances come and go. Then it serves until Ctrl-C (or
// exits at once with --once), stopping everything it started.
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../harness/consul.ts';
import { startBackend, type Backend } from '../harness/backend.ts';
import { waitFor } from '../harness/wait.ts';
import { nginxSettled } from '../harness/nginx.ts';
import { freePort } from '../harness/ports.ts';
import { parseDemoArgs, usage, type DemoOptions } from './demo/options.ts';
import { chooseListenPort } from './demo/listen-port.ts';
import { httpGet } from './demo/http-get.ts';
import { Cleanups } from './demo/cleanups.ts';
import { startLb } from './demo/lb-process.ts';

const host = '127.0.0.1';
const service = 'simple';
/** Generous: a change normally reaches Nginx well within a second. */
const changeTimeoutMs = 20_000;

const say = (line = '') => void process.stdout.write(line + '\n');

/** Set once the demo stops: an interrupted walkthrough must start (and print) nothing more. */
let stopping = false;
function unlessStopping(): void {
  if (stopping) throw new Error('stopping');
}

/** The start of a part of the walkthrough, unless the demo is stopping. */
function heading(text: string): void {
  unlessStopping();
  say(text);
}

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

  // The walkthrough ends early on Ctrl-C (or SIGTERM), or when drcon dies under it.
  let interrupt: (reason: 'signal' | Error) => void = () => {};
  const interrupted = new Promise<'signal' | Error>((resolve) => (interrupt = resolve));
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return; // a second Ctrl-C while stopping: the stop is bounded already
    signalled = true;
    stopping = true;
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
    stopping = true;
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
  say('drcon demo: the DR CoN walkthrough on this machine, without Docker.');
  say();
  const { consul, lbUrl, dir } = await startServices(options, workDir, logFile, cleanups, fail);
  heading('The load balancer is up. Try it yourself, from another terminal:');
  say();
  say(`    curl ${lbUrl}`);
  say();

  heading(`Step 1. No instance of service "${service}" is registered yet, so Nginx answers 503:`);
  await showRequests(lbUrl, 1);
  say();

  const first = await startDemoBackend('simple-1', cleanups);
  heading(`Step 2. Start backend simple-1 on ${host}:${first.port} and register it with Consul:`);
  await register(consul, first);
  let took = await waitForChange(lbUrl, 'simple-1 answering', async () => (await httpGet(lbUrl)).body === 'simple-1', dir);
  say(`  drcon saw the change, rendered the new app.conf, checked it and reloaded Nginx (${took}):`);
  await showRequests(lbUrl, 3);
  say();

  const second = await startDemoBackend('simple-2', cleanups);
  heading(`Step 3. Start backend simple-2 on ${host}:${second.port} and register it as well:`);
  await register(consul, second);
  took = await waitForChange(lbUrl, 'simple-2 answering', async () => (await httpGet(lbUrl)).body === 'simple-2', dir);
  say(`  Nginx now balances over both instances (${took}):`);
  await showRequests(lbUrl, 6, ['simple-1', 'simple-2']);
  say();

  heading('Step 4. Deregister simple-1 (its process keeps running):');
  say(`  $ curl -X PUT ${consul.url}/v1/agent/service/deregister/simple-1`);
  await consul.deregisterService('simple-1');
  took = await waitForChange(lbUrl, 'simple-1 out of rotation', async () => {
    for (let i = 0; i < 4; i++) if ((await httpGet(lbUrl)).body !== 'simple-2') return false;
    return true;
  }, dir);
  const hitsBefore = first.hits;
  say(`  Traffic leaves it (${took}):`);
  await showRequests(lbUrl, 4);
  say(`  simple-1 received ${first.hits - hitsBefore} of these requests.`);
  say();

  if (options.exitAfterWalkthrough) {
    heading('Walkthrough done; stopping (--once).');
    return;
  }
  heading('Walkthrough done. The demo keeps running: press Ctrl-C to stop it and everything it started.');
  say(`  Ask the load balancer:  curl ${lbUrl}`);
  say(`  Bring simple-1 back:    ${registerCommand(consul, first)}`);
  say(`  Take simple-2 out:      curl -X PUT ${consul.url}/v1/agent/service/deregister/simple-2`);
  say(`  Consul's UI:            ${consul.url}/ui/`);
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

/** Waits until `changed`; resolves to how long that took, for the narration. */
async function waitForChange(lbUrl: string, what: string, changed: () => Promise<boolean>, nginxDir: string): Promise<string> {
  const started = performance.now();
  await waitFor(`${what} at ${lbUrl}`, changed, { timeoutMs: changeTimeoutMs });
  // Until the workers of the previous configuration have exited, a new connection may still
  // reach one of them (Nginx's graceful reload): the requests shown next wait for that.
  await nginxSettled(Number(await readFile(join(nginxDir, 'nginx.pid'), 'utf8')));
  return `${((performance.now() - started) / 1000).toFixed(2)} s after the change`;
}

/**
 * `count` requests, each printed as the curl command and the answer's status and body; more (up
 * to `count` again) until each of `expected` has answered. Each Nginx worker balances on its own,
 * starting with the same instance, so a few requests landing on fresh workers can all go there.
 */
async function showRequests(lbUrl: string, count: number, expected: string[] = []): Promise<void> {
  const missing = new Set(expected);
  for (let i = 0; i < count || (missing.size > 0 && i < 2 * count); i++) {
    const { status, body } = await httpGet(lbUrl);
    missing.delete(body);
    say(`  curl ${lbUrl}  ->  ${status} ${body}`);
  }
}

/** drcon's last log lines, without Nginx's access log lines ("127.0.0.1 - - [date] ..."). */
async function logTail(logFile: string, lines = 15): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const drconLines = text.split('\n').filter((line) => line.length > 0 && !/^\S+ - \S+ \[/.test(line));
  return drconLines.slice(-lines).map((line) => `  | ${line}`).join('\n');
}
