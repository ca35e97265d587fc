import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerServices, imageName, type MappingOptions } from '../../src/register/service-mapping.ts';
import type { ContainerInspect } from '../../src/register/docker-types.ts';
import { ownerKey } from '../../src/register/owner-meta.ts';

const options: MappingOptions = { hostname: 'host1', defaultHostIp: '192.0.2.10', internal: false, explicit: false, tags: [], owner: 'host1' };

/** A running container of image python/server:3 named web-1, on the default bridge network. */
function container(settings: { env?: string[]; labels?: Record<string, string>; ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null>; health?: string; network?: string } = {}): ContainerInspect {
  const ports = settings.ports ?? { '80/tcp': [{ HostIp: '', HostPort: '8000' }] };
  return {
    Id: 'a1b2c3d4e5f6a7b8c9d0',
    Name: '/web-1',
    Config: {
      Image: 'python/server:3',
      Env: ['PATH=/usr/bin', ...(settings.env ?? [])],
      Labels: settings.labels ?? {},
      ExposedPorts: Object.fromEntries(Object.keys(ports).map((key) => [key, {}])),
      Healthcheck: settings.health === undefined ? undefined : { Test: ['CMD', 'true'] },
    },
    State: { Running: true, Health: settings.health === undefined ? undefined : { Status: settings.health } },
    HostConfig: { NetworkMode: settings.network ?? 'bridge' },
    NetworkSettings: { IPAddress: '10.88.0.5', Ports: ports, Networks: { podman: { IPAddress: '10.88.0.5' } } },
  };
}

test('a published port: name from the image, ID host:container:port, the host address, owner meta', () => {
  const { services, warnings } = containerServices(container(), options);
  assert.deepEqual(warnings, []);
  assert.equal(services.length, 1);
  assert.deepEqual(services[0]!.registration, {
    ID: 'host1:web-1:80', Name: 'server', Tags: [], Address: '192.0.2.10', Port: 8000, Meta: { [ownerKey]: 'host1' }, Checks: [],
  });
  assert.deepEqual(services[0]!.container, { id: 'a1b2c3d4e5f6a7b8c9d0', name: 'web-1' });
});

test('SERVICE_NAME, SERVICE_TAGS and -tags; other SERVICE_* keys become meta; labels win over the environment', () => {
  const { services, warnings } = containerServices(
    container({ env: ['SERVICE_NAME=simple', 'SERVICE_TAGS=a, b,,a', 'SERVICE_VERSION=1'], labels: { SERVICE_VERSION: '2', SERVICE_REGION: 'eu' } }),
    { ...options, tags: ['forced'] },
  );
  assert.deepEqual(warnings, []);
  const { registration } = services[0]!;
  assert.equal(registration.Name, 'simple');
  assert.deepEqual(registration.Tags, ['a', 'b', 'forced']);
  assert.deepEqual(registration.Meta, { version: '2', region: 'eu', [ownerKey]: 'host1' });
});

test('a binding to one address is registered at that address; -ip overrides it', () => {
  const bound = container({ ports: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8001' }] } });
  assert.equal(containerServices(bound, options).services[0]!.registration.Address, '127.0.0.1');
  assert.equal(containerServices(bound, { ...options, hostIp: '198.51.100.7' }).services[0]!.registration.Address, '198.51.100.7');
});

test('several ports: a -<port> suffix unless SERVICE_<port>_NAME names it; per-port settings win', () => {
  const { services, warnings } = containerServices(
    container({
      env: ['SERVICE_NAME=app', 'SERVICE_443_NAME=app-tls', 'SERVICE_443_TAGS=tls', 'SERVICE_TAGS=all'],
      ports: { '80/tcp': [{ HostPort: '8080' }], '443/tcp': [{ HostPort: '8443' }], '53/udp': [{ HostPort: '5353' }], '9000/tcp': null },
    }),
    options,
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    services.map(({ registration: r }) => [r.ID, r.Name, r.Port, r.Tags]),
    [
      ['host1:web-1:53:udp', 'app-53', 5353, ['all', 'udp']],
      ['host1:web-1:80', 'app-80', 8080, ['all']],
      ['host1:web-1:443', 'app-tls', 8443, ['tls']],
    ],
  );
});

test('-internal: the container address and the exposed port, published or not', () => {
  const { services } = containerServices(container({ ports: { '80/tcp': null } }), { ...options, internal: true });
  assert.deepEqual([services[0]!.registration.Address, services[0]!.registration.Port], ['10.88.0.5', 80]);
  assert.deepEqual(containerServices(container({ ports: { '80/tcp': null } }), options).services, []);
});

test('host networking: exposed ports count as published on the same port', () => {
  const hostNet = container({ network: 'host' });
  hostNet.NetworkSettings = { Ports: {} };
  const { services } = containerServices(hostNet, options);
  assert.deepEqual([services[0]!.registration.Address, services[0]!.registration.Port], ['192.0.2.10', 80]);
});

test('a user network: the container address on it, not the host binding', () => {
  const overlay = container({ network: 'backend' });
  overlay.NetworkSettings!.Networks = { backend: { IPAddress: '10.0.9.4' } };
  assert.equal(containerServices(overlay, options).services[0]!.registration.Address, '10.0.9.4');
});

test('SERVICE_IGNORE and -explicit leave a container out, without a warning', () => {
  assert.deepEqual(containerServices(container({ env: ['SERVICE_IGNORE=true'] }), options), { services: [], warnings: [] });
  assert.equal(containerServices(container({ env: ['SERVICE_IGNORE=false'] }), options).services.length, 1);
  assert.deepEqual(containerServices(container(), { ...options, explicit: true }), { services: [], warnings: [] });
  assert.equal(containerServices(container({ labels: { SERVICE_NAME: 'x' } }), { ...options, explicit: true }).services.length, 1);
  const onePort = containerServices(container({ env: ['SERVICE_80_IGNORE=1'], ports: { '80/tcp': [{ HostPort: '1' }], '81/tcp': [{ HostPort: '2' }] } }), options);
  assert.deepEqual(onePort.services.map((s) => s.registration.Name), ['server-81']);
});

test('SERVICE_ID replaces the ID; -useIpFromLabel the address', () => {
  const { services } = containerServices(container({ env: ['SERVICE_ID=simple-1'], labels: { 'net.ip': '10.1.2.3/24' } }), { ...options, useIpFromLabel: 'net.ip' });
  assert.deepEqual([services[0]!.registration.ID, services[0]!.registration.Address], ['simple-1', '10.1.2.3']);
});

test('checks: HTTP and TCP at the service address, TTL, interval, timeout, initial status, deregister after', () => {
  const checks = (env: string[]) => containerServices(container({ env }), options).services[0]!.registration.Checks;
  assert.deepEqual(checks(['SERVICE_CHECK_HTTP=/health', 'SERVICE_CHECK_INTERVAL=5s', 'SERVICE_CHECK_TIMEOUT=1s', 'SERVICE_CHECK_INITIAL_STATUS=passing', 'SERVICE_CHECK_DEREGISTER_AFTER=10m']), [
    { Name: 'HTTP check from SERVICE_CHECK_HTTP', HTTP: 'http://192.0.2.10:8000/health', Interval: '5s', Timeout: '1s', Status: 'passing', DeregisterCriticalServiceAfter: '10m' },
  ]);
  assert.deepEqual(checks(['SERVICE_CHECK_HTTPS=/']), [{ Name: 'HTTPS check from SERVICE_CHECK_HTTPS', HTTP: 'https://192.0.2.10:8000/', Interval: '10s' }]);
  assert.deepEqual(checks(['SERVICE_CHECK_TCP=true']), [{ Name: 'TCP check from SERVICE_CHECK_TCP', TCP: '192.0.2.10:8000', Interval: '10s' }]);
  assert.deepEqual(checks(['SERVICE_CHECK_TTL=30s']), [{ Name: 'TTL check from SERVICE_CHECK_TTL', TTL: '30s' }]);
});

test('a Docker HEALTHCHECK: a TTL check that is critical until the container is healthy', () => {
  const health = (status: string) => containerServices(container({ health: status }), options).services[0]!;
  const starting = health('starting');
  assert.deepEqual(starting.health, { checkId: 'service:host1:web-1:80:docker-health', status: 'critical', output: 'starting' });
  assert.deepEqual(starting.registration.Checks, [{ CheckID: 'service:host1:web-1:80:docker-health', Name: 'Docker HEALTHCHECK', TTL: '720h', Status: 'critical' }]);
  assert.equal(health('healthy').health!.status, 'passing');
  assert.equal(health('unhealthy').health!.status, 'critical');
  const none = container();
  none.Config!.Healthcheck = { Test: ['NONE'] };
  assert.equal(containerServices(none, options).services[0]!.health, undefined);
});

test('-ttl: every service gets a TTL check of its own, passing when registered', () => {
  const [service] = containerServices(container({ health: 'starting' }), { ...options, ttlMs: 30_000 }).services;
  assert.equal(service!.ttlCheckId, 'service:host1:web-1:80:drcon-register-ttl');
  assert.deepEqual(service!.registration.Checks.map((check) => [check.CheckID, check.TTL, check.Status]), [
    ['service:host1:web-1:80:docker-health', '720h', 'critical'],
    ['service:host1:web-1:80:drcon-register-ttl', '30000ms', 'passing'],
  ]);
  assert.equal(containerServices(container(), options).services[0]!.ttlCheckId, undefined);
});

test('bad values: one warning naming the container and the key; the rest is registered', () => {
  const cases: [string[], RegExp, (r: ReturnType<typeof containerServices>) => void][] = [
    [['SERVICE_CHECK_INTERVAL=often', 'SERVICE_CHECK_HTTP=/'], /SERVICE_CHECK_INTERVAL: invalid duration "often".*without a check/, (r) => assert.deepEqual(r.services[0]!.registration.Checks, [])],
    [['SERVICE_CHECK_HTTP=health'], /SERVICE_CHECK_HTTP: expected a path starting with "\/"/, (r) => assert.equal(r.services.length, 1)],
    [['SERVICE_CHECK_SCRIPT=/bin/true'], /SERVICE_CHECK_SCRIPT: unknown check kind "script"/, (r) => assert.deepEqual(r.services[0]!.registration.Checks, [])],
    [['SERVICE_CHECK_TCP=1', 'SERVICE_CHECK_INITIAL_STATUS=green'], /SERVICE_CHECK_INITIAL_STATUS: expected passing, warning, critical/, () => {}],
    [['SERVICE_NAME=my service'], /SERVICE_NAME: "my service" is not a service name.*not registered/, (r) => assert.deepEqual(r.services, [])],
    [['SERVICE_ID=a/b'], /SERVICE_ID: "a\/b" is not a service ID.*default ID host1:web-1:80 is used/, (r) => assert.equal(r.services[0]!.registration.ID, 'host1:web-1:80')],
    [['SERVICE_99999_NAME=x'], /SERVICE_99999_NAME: the port is not between 1 and 65535/, (r) => assert.equal(r.services.length, 1)],
    [['SERVICE_CONSUL-X=1'], /SERVICE_CONSUL-X: "consul-x" cannot be a ServiceMeta key/, (r) => assert.deepEqual(Object.keys(r.services[0]!.registration.Meta), [ownerKey])],
    [['SERVICE_DRCON-REGISTER-OWNER=me'], /cannot be a ServiceMeta key/, (r) => assert.equal(r.services[0]!.registration.Meta[ownerKey], 'host1')],
    [['SERVICE_TAGS=ok,bad\u0001tag'], /SERVICE_TAGS: tag "bad\\u0001tag" has control characters/, (r) => assert.deepEqual(r.services[0]!.registration.Tags, ['ok'])],
  ];
  for (const [env, pattern, more] of cases) {
    const result = containerServices(container({ env }), options);
    assert.equal(result.warnings.length, 1, `${env.join(' ')}: ${result.warnings.join(' | ')}`);
    assert.match(result.warnings[0]!, /^container web-1 \(a1b2c3d4e5f6\): /);
    assert.match(result.warnings[0]!, pattern);
    more(result);
  }
  const badLabel = containerServices(container({ labels: { ip: 'nope' } }), { ...options, useIpFromLabel: 'ip' });
  assert.match(badLabel.warnings.join(), /label ip: "nope" is not an IP address/);
  assert.equal(badLabel.services[0]!.registration.Address, '192.0.2.10');
  const badPort = containerServices(container({ ports: { '80/tcp': [{ HostPort: 'x' }] } }), options);
  assert.match(badPort.warnings.join(), /port "x" \(of 80\/tcp\) is not a port number/);
  assert.deepEqual(badPort.services, []);
});

test('one SERVICE_ID for several ports: the first port keeps it, the others are named in a warning', () => {
  const result = containerServices(container({ env: ['SERVICE_ID=only'], ports: { '80/tcp': [{ HostPort: '1' }], '81/tcp': [{ HostPort: '2' }] } }), options);
  assert.deepEqual(result.services.map((s) => s.registration.ID), ['only']);
  assert.match(result.warnings.join(), /SERVICE_ID: ID "only" is already used by another of its ports; port 81 is not registered/);
});

test('imageName: the last path part, without tag or digest', () => {
  assert.equal(imageName('registry:5000/team/web:1.2'), 'web');
  assert.equal(imageName('redis@sha256:abc'), 'redis');
  assert.equal(imageName('nginx'), 'nginx');
});
