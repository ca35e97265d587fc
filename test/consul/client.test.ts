import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulClient, ConsulError, endpointOf } from '../../src/consul/client.ts';
import type { ConsulRequestInfo } from '../../src/consul/types.ts';
import { createLogger } from '../../src/log/logger.ts';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { freePort } from '../../harness/ports.ts';
import { startFakeConsul } from './fake-consul.ts';

describe('ConsulClient against a real agent', () => {
  let agent: ConsulAgent;
  const requests: ConsulRequestInfo[] = [];
  let client: ConsulClient;

  before(async () => {
    agent = await startConsul();
    client = new ConsulClient({ addresses: [agent.address], onRequest: (info) => requests.push(info) });
  });
  after(async () => {
    await client?.close();
    await agent?.stop();
  });

  test('a get of /v1/catalog/services returns the index, the leader flag and the body', async () => {
    requests.length = 0;
    const response = await client.get('/v1/catalog/services', {});
    assert.equal(response.status, 200);
    assert.ok(response.index !== undefined && response.index >= 1, `index ${response.index}`);
    assert.equal(response.knownLeader, true);
    assert.equal(response.lastContactMs, 0);
    assert.ok(response.body && typeof response.body === 'object' && 'consul' in response.body);
    assert.deepEqual(requests, [{ endpoint: '/v1/catalog/services', status: 200 }]);
  });

  test('put: a JSON body to an agent write; its empty answer is no body; a 404 there is an error', async () => {
    const written = await client.put('/v1/agent/service/register', {}, { ID: 'put-1', Name: 'put', Port: 1 });
    assert.deepEqual([written.status, written.body], [200, undefined]);
    const services = (await client.get('/v1/agent/services', {})).body as Record<string, { Service: string }>;
    assert.equal(services['put-1']?.Service, 'put');
    await client.put('/v1/agent/service/maintenance/put-1', { enable: 'true', reason: 'a test' });
    const checks = (await client.get('/v1/agent/checks', {})).body as Record<string, { Status: string }>;
    assert.equal(checks['_service_maintenance:put-1']?.Status, 'critical');
    await client.put('/v1/agent/service/deregister/put-1', {});
    await assert.rejects(client.put('/v1/agent/service/maintenance/put-1', { enable: 'false' }), (error: Error) => error instanceof ConsulError && error.status === 404 && /^PUT \/v1\/agent\/service\/maintenance\/put-1: 404/.test(error.message));
  });

  test('a missing KV key is data, not an error: 404 with no body', async () => {
    requests.length = 0;
    const response = await client.get('/v1/kv/drcon-test/missing', {}, { stale: true });
    assert.equal(response.status, 404);
    assert.equal(response.body, undefined);
    assert.ok(response.index !== undefined);
    assert.deepEqual(requests, [{ endpoint: '/v1/kv', status: 404 }]);
  });

  test('params are URL-encoded: a tag with a space and an ampersand selects exactly', async () => {
    await agent.registerService({ ID: 'enc-1', Name: 'enc', Port: 1, Tags: ['a b&c=d'] });
    const exact = await client.get('/v1/catalog/service/enc', { tag: 'a b&c=d' });
    assert.deepEqual((exact.body as { ServiceID: string }[]).map((entry) => entry.ServiceID), ['enc-1']);
    const prefix = await client.get('/v1/catalog/service/enc', { tag: 'a', unused: undefined });
    assert.deepEqual(prefix.body, []);
  });

  test('another error status throws a one-line ConsulError with status and endpoint', async () => {
    requests.length = 0;
    const failure = await client.get('/v1/catalog/services', { dc: 'nowhere' }).then(
      () => assert.fail('expected a ConsulError'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ConsulError);
    assert.equal(failure.message, 'GET /v1/catalog/services: 500 No path to datacenter');
    assert.equal(failure.status, 500);
    assert.equal(failure.endpoint, '/v1/catalog/services');
    assert.deepEqual(requests, [{ endpoint: '/v1/catalog/services', status: 500 }]);
  });

  test('a blocking get waits for a change; concurrent long polls each get their own connection', async () => {
    const first = await client.get('/v1/catalog/services', {});
    const polls = Array.from({ length: 8 }, () => {
      const poll = { done: false, promise: client.get('/v1/catalog/services', {}, { index: first.index, waitMs: 20_000 }) };
      poll.promise.then(() => (poll.done = true), () => (poll.done = true));
      return poll;
    });
    // Were the long polls queued on shared connections, this quick read would wait behind them.
    const quick = await client.get('/v1/catalog/services', {});
    assert.ok(quick.index !== undefined && first.index !== undefined && quick.index >= first.index);
    assert.deepEqual(polls.map((poll) => poll.done), Array(8).fill(false), 'a long poll returned before any change');

    await agent.registerService({ ID: 'wake-1', Name: 'wake', Port: 1 });
    const answers = await Promise.all(polls.map((poll) => poll.promise));
    for (const answer of answers) {
      assert.ok(answer.index! > first.index!, `index ${answer.index} did not move past ${first.index}`);
    }
    assert.ok(answers.some((answer) => 'wake' in (answer.body as object)), 'no poll saw the new service');
  });

  test('maxConnections caps the connections: a request beyond waits for a free one', async () => {
    const capped = new ConsulClient({ addresses: [agent.address], maxConnections: 1 });
    try {
      const first = await capped.get('/v1/catalog/services', {});
      const order: string[] = [];
      const poll = capped.get('/v1/catalog/services', {}, { index: first.index, waitMs: 20_000 }).then(() => order.push('poll'));
      const quick = capped.get('/v1/catalog/services', {}).then(() => order.push('quick'));
      // With its one connection held by the long poll, the quick read is answered only after it.
      await agent.registerService({ ID: 'cap-1', Name: 'cap', Port: 1 });
      await Promise.all([poll, quick]);
      assert.deepEqual(order, ['poll', 'quick']);
    } finally {
      await capped.close();
    }
  });

  test('a refused address fails over to the next one, which then sticks', async () => {
    const deadPort = await freePort();
    const seen: ConsulRequestInfo[] = [];
    const failover = new ConsulClient({
      addresses: [`127.0.0.1:${deadPort}`, agent.address],
      onRequest: (info) => seen.push(info),
    });
    try {
      await assert.rejects(
        failover.get('/v1/status/leader', {}),
        new RegExp(`^Error: GET /v1/status/leader: cannot reach Consul at http://127\\.0\\.0\\.1:${deadPort}: .*ECONNREFUSED`),
      );
      for (let i = 0; i < 3; i += 1) assert.equal((await failover.get('/v1/status/leader', {})).status, 200);
      assert.deepEqual(seen.map((info) => info.status), ['error', 200, 200, 200]);
    } finally {
      await failover.close();
    }
  });

  test('a request aborted by the caller rejects, is not reported, and does not fail over', async () => {
    const seen: ConsulRequestInfo[] = [];
    const aborting = new ConsulClient({ addresses: [agent.address, '127.0.0.1:1'], onRequest: (info) => seen.push(info) });
    try {
      const { index } = await aborting.get('/v1/catalog/services', {});
      const controller = new AbortController();
      const pending = aborting.get('/v1/catalog/services', {}, { index, waitMs: 30_000, signal: controller.signal });
      controller.abort();
      await assert.rejects(pending, { name: 'AbortError' });
      assert.equal((await aborting.get('/v1/catalog/services', {})).status, 200);
      assert.deepEqual(seen.map((info) => info.status), [200, 200]);
    } finally {
      await aborting.close();
    }
  });
});

describe('ConsulClient over TLS (a real agent with an https port)', () => {
  let agent: ConsulAgent;
  let httpsAddress: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drcon-tls-'));
    // Consul's own tooling makes a CA and a server certificate valid for 127.0.0.1.
    execFileSync('consul', ['tls', 'ca', 'create'], { cwd: dir, stdio: 'ignore' });
    execFileSync('consul', ['tls', 'cert', 'create', '-server'], { cwd: dir, stdio: 'ignore' });
    const httpsPort = await freePort();
    agent = await startConsul({
      config: {
        'tls.json': JSON.stringify({
          ports: { https: httpsPort },
          ca_file: join(dir, 'consul-agent-ca.pem'),
          cert_file: join(dir, 'dc1-server-consul-0.pem'),
          key_file: join(dir, 'dc1-server-consul-0-key.pem'),
        }),
      },
    });
    httpsAddress = `https://127.0.0.1:${httpsPort}`;
  });
  after(async () => {
    await agent?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('verifies the agent with the CA file', async () => {
    const client = new ConsulClient({ addresses: [httpsAddress], caFile: join(dir, 'consul-agent-ca.pem') });
    try {
      assert.equal((await client.get('/v1/status/leader', {})).status, 200);
    } finally {
      await client.close();
    }
  });

  test('refuses an agent it cannot verify, unless told to skip verification', async () => {
    const strict = new ConsulClient({ addresses: [httpsAddress] });
    const warnings: string[] = [];
    const lax = new ConsulClient({
      addresses: [httpsAddress],
      insecureSkipVerify: true,
      logger: createLogger({ write: (line) => warnings.push(line) }),
    });
    try {
      await assert.rejects(strict.get('/v1/status/leader', {}), /cannot reach Consul at https:.*certificate/);
      assert.equal((await lax.get('/v1/status/leader', {})).status, 200);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /WARN  TLS certificate verification of the Consul agent is disabled$/);
    } finally {
      await strict.close();
      await lax.close();
    }
  });

  test('an unreadable CA file is a one-line error naming the file', () => {
    assert.throws(
      () => new ConsulClient({ addresses: [httpsAddress], caFile: join(dir, 'missing.pem') }),
      /^Error: cannot read Consul CA file ".*missing\.pem": ENOENT/,
    );
  });
});

test('the ACL token travels in the X-Consul-Token header, never in the URL', async (t) => {
  // A real agent does not show the request it received; this recording server does.
  const fake = await startFakeConsul(() => ({ kind: 'json', index: 7, body: {} }));
  const client = new ConsulClient({ addresses: [fake.address], token: 'secret-token-123' });
  t.after(async () => {
    await client.close();
    await fake.stop();
  });
  await client.get('/v1/health/service/web', { passing: '' }, { index: 3, waitMs: 1_000, stale: true });
  const [request] = fake.requests;
  assert.equal(request?.headers['x-consul-token'], 'secret-token-123');
  assert.equal(request?.path, '/v1/health/service/web');
  assert.equal(request?.search, '?passing&index=3&wait=1s&stale');
  assert.doesNotMatch(request?.search ?? '', /secret|token/);
});

test('a silent agent times out and the next request goes to the next address', async (t) => {
  // A real agent always answers a non-blocking read; a hung one is simulated by a socket that
  // accepts and never replies.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const fake = await startFakeConsul(() => ({ kind: 'json', index: 1, body: 'ok' }));
  const silentAddress = `127.0.0.1:${(silent.address() as { port: number }).port}`;
  const client = new ConsulClient({ addresses: [silentAddress, fake.address], requestTimeoutMs: 200 });
  t.after(async () => {
    await client.close();
    await fake.stop();
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  await assert.rejects(client.get('/v1/status/leader', {}), /cannot reach Consul at http:\/\/127\.0\.0\.1:\d+: no answer within 200 ms/);
  assert.equal((await client.get('/v1/status/leader', {})).body, 'ok');
});

test('a 404 without X-Consul-Index is not Consul\'s "no such key": an error quoting the page', async (t) => {
  // A real agent's 404 always carries an index; a proxy or a wrong address answers without one.
  const fake = await startFakeConsul(() => ({ kind: 'text', status: 404, text: 'Not Found' }));
  const client = new ConsulClient({ addresses: [fake.address] });
  t.after(async () => {
    await client.close();
    await fake.stop();
  });
  await assert.rejects(client.get('/v1/health/service/web', {}), {
    name: 'ConsulError',
    message: 'GET /v1/health/service/web: 404 Not Found',
    status: 404,
  });
});

test('a 403 says "permission denied" with Consul\'s reason, and never the token', async (t) => {
  // The message wording only; a real ACL-enabled agent is in test/faults/consul-acl.test.ts.
  const fake = await startFakeConsul(() => ({ kind: 'text', status: 403, text: 'ACL not found: secret-token-123' }));
  const client = new ConsulClient({ addresses: [fake.address], token: 'secret-token-123' });
  t.after(async () => {
    await client.close();
    await fake.stop();
  });
  await assert.rejects(client.get('/v1/kv/app', {}), {
    name: 'ConsulError',
    message: 'GET /v1/kv/app: permission denied by Consul ACLs (403 ACL not found: [redacted]); check the ACL token',
    status: 403,
  });
});

test('a path with a query string is refused: params go separately', async () => {
  const client = new ConsulClient({ addresses: ['127.0.0.1:1'] });
  await assert.rejects(client.get('/v1/health/service/web?passing', {}), /^Error: invalid Consul API path "\/v1\/health\/service\/web\?passing"/);
  await client.close();
});

test('endpointOf keeps the fixed part of a path', () => {
  const cases: [string, string][] = [
    ['/v1/health/service/web', '/v1/health/service'],
    ['/v1/catalog/services', '/v1/catalog/services'],
    ['/v1/catalog/node/node-1', '/v1/catalog/node'],
    ['/v1/kv/app/config/db', '/v1/kv'],
    ['/v1/kv/', '/v1/kv'],
    ['/v1/query/abc/execute', '/v1/query'],
    ['/v1/status/leader', '/v1/status/leader'],
  ];
  for (const [path, endpoint] of cases) assert.equal(endpointOf(path), endpoint, path);
});
