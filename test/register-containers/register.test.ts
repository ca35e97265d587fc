// `drcon register` end to end: the real CLI following Podman's Docker-compatible API (a real
// engine with real containers of a tiny backend image), registering in a real Consul dev agent,
// and a real `drcon lb` sending traffic where the registrations say.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startTlsConsul } from '../../harness/consul-tls.ts';
import { runDrcon, startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { freePort, freePorts } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';
import { Backends, podman, prepareBackendImage, startPodmanApi, type PodmanApi } from '../../harness/podman.ts';

interface AgentService {
  ID: string;
  Service: string;
  Address: string;
  Port: number;
  Tags: string[] | null;
  Meta: Record<string, string> | null;
}
interface AgentCheck {
  CheckID: string;
  ServiceID: string;
  Status: string;
  Type: string;
  Output: string;
}

const host = hostname();
let api: PodmanApi;
const backends = new Backends();
let unique = 0;
/** A container name no other run uses. */
const containerName = (what: string) => `reg-${what}-${process.pid}-${++unique}`;

before(async () => {
  await prepareBackendImage();
  api = await startPodmanApi();
}, { timeout: 15 * 60_000 });
after(async () => {
  await backends.removeAll();
  await api?.destroy();
});

function startRegister(consul: ConsulAgent, flags: string[] = []): RunningDrcon {
  return startDrcon(['register', '-docker-host', api.dockerHost, '-status-addr', 'off', '-resync', '0', ...flags, `consul://${consul.address}`]);
}

async function services(consul: ConsulAgent): Promise<Record<string, AgentService>> {
  return (await consul.api('GET', '/v1/agent/services')) as Record<string, AgentService>;
}
async function checks(consul: ConsulAgent): Promise<Record<string, AgentCheck>> {
  return (await consul.api('GET', '/v1/agent/checks')) as Record<string, AgentCheck>;
}
function waitForService(consul: ConsulAgent, id: string): Promise<AgentService> {
  return waitFor(`service ${id}`, async () => (await services(consul))[id], { timeoutMs: 30_000 });
}
function waitForGone(consul: ConsulAgent, id: string): Promise<true> {
  return waitFor(`service ${id} gone`, async () => !(id in (await services(consul))), { timeoutMs: 30_000 });
}
function waitForCheck(consul: ConsulAgent, checkId: string, status: string): Promise<AgentCheck> {
  return waitFor(`check ${checkId} ${status}`, async () => {
    const check = (await checks(consul))[checkId];
    return check?.Status === status ? check : undefined;
  }, { timeoutMs: 30_000 });
}
const healthCheckId = (serviceId: string) => `service:${serviceId}:docker-health`;

describe('one register, one agent', () => {
  let consul: ConsulAgent;
  let register: RunningDrcon;
  before(async () => {
    consul = await startConsul();
    register = startRegister(consul);
    await register.waitForOutput(/settings/);
  });
  after(async () => {
    await register?.stop();
    await consul?.destroy();
  });

  test('start: registered with its name, address, published port, tags, meta and checks; one log line', async () => {
    const name = containerName('web');
    const [port] = await freePorts(1);
    const id = await backends.run({
      name, publish: [{ container: 80, host: port! }],
      env: { SERVICE_NAME: 'simple', SERVICE_TAGS: 'a,b', SERVICE_VERSION: '1.2', SERVICE_CHECK_TCP: 'true', SERVICE_CHECK_INTERVAL: '1s' },
    });
    const serviceId = `${host}:${name}:80`;
    const service = await waitForService(consul, serviceId);
    assert.equal(service.Service, 'simple');
    assert.equal(service.Address, '127.0.0.1');
    assert.equal(service.Port, port);
    assert.deepEqual(service.Tags, ['a', 'b']);
    assert.equal(service.Meta?.version, '1.2');
    assert.equal(service.Meta?.['drcon-register-owner'], host);
    const own = Object.values(await checks(consul)).filter((check) => check.ServiceID === serviceId);
    assert.deepEqual(own.map((check) => check.Type).sort(), ['tcp', 'ttl']);
    await waitForCheck(consul, `service:${serviceId}:1`, 'passing');
    await register.waitForOutput(new RegExp(`INFO  \\+simple 127\\.0\\.0\\.1:${port} \\(container ${id.slice(0, 12)}, ${name}\\)`));
  });

  test('several ports: one service each, "-<port>" unless SERVICE_<port>_NAME; SERVICE_IGNORE: none', async () => {
    const name = containerName('multi');
    const [p80, p81] = await freePorts(2);
    const ignored = containerName('ignored');
    await backends.run({ name: ignored, publish: [{ container: 80, host: (await freePorts(1))[0]! }], env: { SERVICE_NAME: 'ignored', SERVICE_IGNORE: 'true' } });
    await backends.run({ name, publish: [{ container: 80, host: p80! }, { container: 81, host: p81! }], env: { SERVICE_NAME: 'app' }, labels: { SERVICE_81_NAME: 'admin' } });
    assert.equal((await waitForService(consul, `${host}:${name}:80`)).Service, 'app-80');
    const admin = await waitForService(consul, `${host}:${name}:81`);
    assert.deepEqual([admin.Service, admin.Port], ['admin', p81]);
    // Both started before; the ignored one's start was handled by the time the other registered twice over.
    await register.waitForOutput(new RegExp(`\\+admin .*${name}`));
    assert.ok(!Object.values(await services(consul)).some((service) => service.Service === 'ignored'));
  });

  test('stop: deregistered; kill (SIGTERM): drained at once, deregistered when the container is gone', async () => {
    const [p1, p2] = await freePorts(2);
    const stopped = containerName('stopped');
    const stoppedId = await backends.run({ name: stopped, publish: [{ container: 80, host: p1! }], env: { SERVICE_NAME: 'stopping' } });
    await waitForService(consul, `${host}:${stopped}:80`);
    await podman('stop', '-t', '2', stoppedId);
    await waitForGone(consul, `${host}:${stopped}:80`);

    const draining = containerName('draining');
    // It takes 3 s to exit after SIGTERM, as a server finishing its requests would.
    const drainingId = await backends.run({ name: draining, publish: [{ container: 80, host: p2! }], env: { SERVICE_NAME: 'draining', STOP_DELAY_MS: '3000' } });
    const serviceId = `${host}:${draining}:80`;
    await waitForService(consul, serviceId);
    // Registered at the start event, maybe before Node runs the server: until it has set its
    // SIGTERM handler, a SIGTERM to it (PID 1) is lost. It has once it answers.
    await waitFor('draining answering', async () => (await fetch(`http://127.0.0.1:${p2}/`)).ok);
    await podman('kill', '-s', 'TERM', drainingId);
    await waitForCheck(consul, `_service_maintenance:${serviceId}`, 'critical');
    assert.equal(await podman('inspect', '-f', '{{.State.Running}}', drainingId), 'true', 'marked down while it still runs');
    await waitForGone(consul, serviceId);
    await register.waitForOutput(new RegExp(`-draining 127\\.0\\.0\\.1:${p2} \\(service ${serviceId.replaceAll('.', '\\.')}\\)`));
  });

  test('malformed settings: one warning line each, naming the container and the key; the rest registered', async () => {
    const name = containerName('bad');
    const id = await backends.run({
      name, publish: [{ container: 80, host: await freePort() }],
      env: { SERVICE_NAME: 'flawed', SERVICE_CHECK_HTTP: '/', SERVICE_CHECK_INTERVAL: 'often', SERVICE_99999_NAME: 'x' },
      labels: { SERVICE_CHECK_SCRIPT: '/bin/true' },
    });
    const serviceId = `${host}:${name}:80`;
    await waitForService(consul, serviceId);
    // A health event inspects it again: the warnings are not repeated.
    await podman('healthcheck', 'run', id);
    await waitForCheck(consul, healthCheckId(serviceId), 'passing');
    const lines = register.output().split('\n').filter((line) => line.includes(`WARN  container ${name} (${id.slice(0, 12)})`));
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines.join('\n'), /SERVICE_CHECK_INTERVAL: invalid duration "often"/);
    assert.match(lines.join('\n'), /SERVICE_CHECK_SCRIPT: unknown check kind "script"/);
    assert.match(lines.join('\n'), /SERVICE_99999_NAME: the port is not between 1 and 65535/);
    // Registered without the bad check: only the Docker HEALTHCHECK's.
    const own = Object.values(await checks(consul)).filter((check) => check.ServiceID === serviceId);
    assert.deepEqual(own.map((check) => check.CheckID), [healthCheckId(serviceId)]);
  });

  test('one health check run each: every container turns passing (Podman announces a status before it has stored it)', async () => {
    // Eight, because inspected at the event, about one in eight still reads "starting".
    // Handed out one after the other: freePort calls at once could pick the same port.
    const ports = await freePorts(8);
    const started = await Promise.all(ports.map(async (port) => {
      const name = containerName('once');
      const id = await backends.run({ name, publish: [{ container: 80, host: port }], env: { SERVICE_NAME: 'once' } });
      return { id, serviceId: `${host}:${name}:80` };
    }));
    for (const { serviceId } of started) await waitForService(consul, serviceId);
    await Promise.all(started.map(({ id }) => podman('healthcheck', 'run', id)));
    for (const { serviceId } of started) await waitForCheck(consul, healthCheckId(serviceId), 'passing');
  });

  test('Docker HEALTHCHECK: passing when healthy; unhealthy turns it critical and drcon lb stops sending it traffic', async () => {
    const lbPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'drcon-register-lb-'));
    chmodSync(dir, 0o711); // Nginx workers (another user when run as root) pass through it
    const lb = startDrcon(['lb', '-consul-addr', consul.address, '-service', 'checked', '-listen', `127.0.0.1:${lbPort}`, '-dir', join(dir, 'lb'), '-status-addr', 'off']);
    try {
      const [pa, pb] = await freePorts(2);
      const [a, b] = [containerName('healthy'), containerName('sick')];
      const aId = await backends.run({ name: a, publish: [{ container: 80, host: pa! }], env: { SERVICE_NAME: 'checked', NAME: 'a' } });
      const bId = await backends.run({ name: b, publish: [{ container: 80, host: pb! }], env: { SERVICE_NAME: 'checked', NAME: 'b' } });
      // Critical while Docker says "starting": no traffic before the first check passed.
      assert.equal((await waitForCheck(consul, healthCheckId(`${host}:${a}:80`), 'critical')).Type, 'ttl');
      // No systemd here to time the checks: the test runs them, again and again as the engine would.
      for (const [id, name] of [[aId, a], [bId, b]] as const) {
        await waitFor(`${name} passing`, async () => {
          await podman('healthcheck', 'run', id).catch(() => {});
          return (await checks(consul))[healthCheckId(`${host}:${name}:80`)]?.Status === 'passing';
        }, { timeoutMs: 30_000, intervalMs: 500 });
      }
      const answers = async (count: number) => {
        const seen: string[] = [];
        for (let i = 0; i < count; i++) seen.push(await fetch(`http://127.0.0.1:${lbPort}/`).then((r) => r.text()).then((t) => t.trim(), () => 'failed'));
        return seen;
      };
      await waitFor('both backends served', async () => new Set(await answers(10)).size === 2, { timeoutMs: 30_000 });
      await podman('exec', bId, 'touch', '/tmp/unhealthy');
      // Unhealthy after three failures in a row (the default retries), each exiting 1.
      for (let i = 0; i < 3; i++) await podman('healthcheck', 'run', bId).catch(() => {});
      await waitForCheck(consul, healthCheckId(`${host}:${b}:80`), 'critical');
      await waitFor('only a served', async () => (await answers(10)).every((answer) => answer === 'a'), { timeoutMs: 30_000 });
      assert.deepEqual(new Set(await answers(20)), new Set(['a']));
      await register.waitForOutput(new RegExp(`!checked 127\\.0\\.0\\.1:${pb} \\(container ${bId.slice(0, 12)}, ${b}\\) critical \\(Docker health: unhealthy\\)`));
    } finally {
      await lb.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the Consul dev agent restarted (every registration lost): registered again', async () => {
    const name = containerName('survivor');
    await backends.run({ name, publish: [{ container: 80, host: await freePort() }], env: { SERVICE_NAME: 'survivor' } });
    await waitForService(consul, `${host}:${name}:80`);
    await consul.restart();
    await waitForService(consul, `${host}:${name}:80`);
  });

  test('the Docker API service restarted, containers changed meanwhile: converges', async () => {
    const [p1, p2] = await freePorts(2);
    const before = containerName('before');
    const beforeId = await backends.run({ name: before, publish: [{ container: 80, host: p1! }], env: { SERVICE_NAME: 'churn' } });
    await waitForService(consul, `${host}:${before}:80`);
    await api.stop();
    await podman('stop', '-t', '0', beforeId);
    const during = containerName('during');
    await backends.run({ name: during, publish: [{ container: 80, host: p2! }], env: { SERVICE_NAME: 'churn' } });
    await api.start();
    await waitForService(consul, `${host}:${during}:80`);
    await waitForGone(consul, `${host}:${before}:80`);
  });

  test('30 containers started at once: 30 registered', async () => {
    const ports = await freePorts(30);
    const names = ports.map(() => containerName('burst'));
    await Promise.all(names.map((name, i) => backends.run({ name, publish: [{ container: 80, host: ports[i]! }], env: { SERVICE_NAME: 'burst' } })));
    await waitFor('30 burst services', async () => {
      const all = Object.values(await services(consul)).filter((service) => service.Service === 'burst');
      return all.length === 30 ? all : undefined;
    }, { timeoutMs: 60_000 });
    const registered = Object.keys(await services(consul));
    for (const name of names) assert.ok(registered.includes(`${host}:${name}:80`), name);
  });
});

test('register killed with -9, containers stopped meanwhile, restarted: its stale services gone, foreign ones untouched', async () => {
  const consul = await startConsul();
  let register = startRegister(consul);
  try {
    const [p1, p2] = await freePorts(2);
    const kept = containerName('kept');
    const gone = containerName('gone');
    await backends.run({ name: kept, publish: [{ container: 80, host: p1! }], env: { SERVICE_NAME: 'stale' } });
    const goneId = await backends.run({ name: gone, publish: [{ container: 80, host: p2! }], env: { SERVICE_NAME: 'stale' } });
    await waitForService(consul, `${host}:${kept}:80`);
    await waitForService(consul, `${host}:${gone}:80`);
    // Someone else's, and one in Registrator's ID form without an owner mark (kept without -cleanup).
    await consul.registerService({ ID: 'foreign-1', Name: 'stale', Address: '127.0.0.1', Port: 1 });
    await consul.registerService({ ID: `${host}:old-registrator:80`, Name: 'stale', Address: '127.0.0.1', Port: 2 });
    await register.stop('SIGKILL');
    await podman('stop', '-t', '0', goneId);
    register = startRegister(consul);
    await waitForGone(consul, `${host}:${gone}:80`);
    const left = Object.values(await services(consul)).filter((service) => service.Service === 'stale').map((service) => service.ID).sort();
    assert.deepEqual(left, [`${host}:${kept}:80`, `${host}:old-registrator:80`, 'foreign-1'].sort());
    await register.stop();
    // -cleanup also removes what Registrator left for this host.
    register = startRegister(consul, ['-cleanup']);
    await waitForGone(consul, `${host}:old-registrator:80`);
    assert.ok('foreign-1' in (await services(consul)));
  } finally {
    await register.stop();
    await consul.destroy();
  }
});

test('-ttl: a TTL check on each service that register keeps passing; register killed with -9: critical; restarted: passing again', async () => {
  const consul = await startConsul();
  let register = startRegister(consul, ['-ttl', '3', '-ttl-refresh', '1']);
  try {
    const name = containerName('ttl');
    await backends.run({ name, publish: [{ container: 80, host: await freePort() }], env: { SERVICE_NAME: 'alive' } });
    const serviceId = `${host}:${name}:80`;
    const checkId = `service:${serviceId}:drcon-register-ttl`;
    await waitForService(consul, serviceId);
    const check = (await checks(consul))[checkId];
    assert.deepEqual([check?.Type, check?.Status], ['ttl', 'passing'], 'passing from its registration');
    // A registration writes no output: this one is a refresh's.
    await waitFor('the TTL check refreshed', async () => (await checks(consul))[checkId]?.Output === 'drcon register is running', { timeoutMs: 30_000 });
    await register.stop('SIGKILL');
    assert.match((await waitForCheck(consul, checkId, 'critical')).Output, /TTL expired/);
    register = startRegister(consul, ['-ttl', '3', '-ttl-refresh', '1']);
    await waitForCheck(consul, checkId, 'passing');
  } finally {
    await register.stop();
    await consul.destroy();
  }
});

test('-explicit, -internal, -ip', async () => {
  const consul = await startConsul();
  const register = startRegister(consul, ['-explicit', '-internal']);
  try {
    const unnamed = containerName('unnamed');
    const named = containerName('named');
    await backends.run({ name: unnamed });
    const namedId = await backends.run({ name: named, env: { SERVICE_NAME: 'inside' } });
    const service = await waitForService(consul, `${host}:${named}:80`);
    const ip = await podman('inspect', '-f', '{{.NetworkSettings.IPAddress}}', namedId);
    assert.deepEqual([service.Service, service.Address, service.Port], ['inside', ip, 80]);
    assert.ok(!(`${host}:${unnamed}:80` in (await services(consul))), '-explicit: no SERVICE_NAME, not registered');
  } finally {
    await register.stop();
  }
  const withIp = startRegister(consul, ['-ip', '127.0.0.9']);
  try {
    const name = containerName('ip');
    const port = await freePort();
    await backends.run({ name, publish: [{ container: 80, host: port }], env: { SERVICE_NAME: 'forced' } });
    const service = await waitForService(consul, `${host}:${name}:80`);
    assert.deepEqual([service.Address, service.Port], ['127.0.0.9', port]);
  } finally {
    await withIp.stop();
    await consul.destroy();
  }
});

test('an agent that verifies its clients (verify_incoming): registered over consul-tls:// with a client certificate; without one, one line saying so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drcon-register-mtls-'));
  const { consul, https, ca, clientCert, clientKey } = await startTlsConsul(dir, { verifyIncoming: true });
  const registry = `consul-tls://${new URL(https).host}`;
  const register = startDrcon(['register', '-docker-host', api.dockerHost, '-status-addr', 'off', '-ca-file', ca, '-client-cert', clientCert, '-client-key', clientKey, registry]);
  try {
    const name = containerName('mtls');
    const port = await freePort();
    await backends.run({ name, publish: [{ container: 80, host: port }], env: { SERVICE_NAME: 'secured' } });
    // Read back over the agent's plain HTTP port, which the test keeps for itself.
    const service = await waitForService(consul, `${host}:${name}:80`);
    assert.deepEqual([service.Service, service.Port], ['secured', port]);
    const refused = await runDrcon(['register', '-docker-host', api.dockerHost, '-status-addr', 'off', '-retry-attempts', '0', '-ca-file', ca, registry]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /cannot reach Consul at https:\/\/127\.0\.0\.1:\d+: .*client certificate.*-client-cert/);
  } finally {
    await register.stop();
    await consul.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
