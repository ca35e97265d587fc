// The blocking loop against a real Consul agent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockingQuery, type ConsulReader } from '../../src/watch/blocking-query.ts';
import { ConsulClient } from '../../src/consul/client.ts';
import type { ConsulGetOptions } from '../../src/consul/types.ts';
import type { Dependency } from '../../src/dependency/dependency.ts';
import { createLogger, type LogFields } from '../../src/log/logger.ts';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { waitFor } from '../../harness/wait.ts';

let agent: ConsulAgent;
let client: ConsulClient;

before(async () => {
  agent = await startConsul();
  client = new ConsulClient({ addresses: [agent.address] });
});
after(async () => {
  await client?.close();
  await agent?.stop();
});

/** The names of all services, sorted. */
const serviceNames: Dependency<string[]> = {
  id: 'test.services',
  query: { path: '/v1/catalog/services', params: {} },
  parse: ({ body }) => Object.keys(body as object).sort(),
};

interface Call {
  options: ConsulGetOptions;
  state: 'pending' | 'answered' | 'aborted' | 'failed';
}

/** The real client, with a record of each call the loop makes and how it ended. */
function recordingClient(calls: Call[]): ConsulReader {
  return {
    get: (path, params, options = {}) => {
      const call: Call = { options, state: 'pending' };
      calls.push(call);
      const answer = client.get(path, params, options);
      answer.then(
        () => (call.state = 'answered'),
        (error: Error) => (call.state = error.name === 'AbortError' ? 'aborted' : 'failed'),
      );
      return answer;
    },
  };
}

function recordingLogger() {
  const lines: (LogFields & { level: string; msg: string })[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

test('delivers the current data, then a registration wakes the pending blocking query', async (t) => {
  const calls: Call[] = [];
  const delivered: string[][] = [];
  const loop = new BlockingQuery(recordingClient(calls), serviceNames, { waitMs: 30_000, maxStaleMs: 2_000, logger: recordingLogger().logger }, {
    onData: (names) => delivered.push(names),
  });
  t.after(() => loop.stop());
  loop.start();

  await waitFor('first data', () => delivered.length === 1);
  assert.deepEqual(delivered, [['consul']]);
  assert.equal(calls[0]?.options.index, undefined, 'the first request must not block');
  assert.equal(calls[0]?.options.stale, true);

  const blocking = await waitFor('a pending blocking request', () =>
    calls.find((call) => call.state === 'pending' && call.options.index !== undefined));
  assert.ok(blocking.options.index! >= 1);
  assert.equal(blocking.options.waitMs, 30_000);

  await agent.registerService({ ID: 'web-1', Name: 'web', Port: 8080 });
  await waitFor('the new service', () => delivered.length === 2);
  assert.deepEqual(delivered, [['consul'], ['consul', 'web']]);
  assert.equal(blocking.state, 'answered');
});

test('after the agent restarts (its index back near zero), the loop recovers and delivers new data', async (t) => {
  const calls: Call[] = [];
  const delivered: string[][] = [];
  const { logger, lines } = recordingLogger();
  const errors: Error[] = [];
  let recoveries = 0;
  const loop = new BlockingQuery(recordingClient(calls), serviceNames, { waitMs: 30_000, maxStaleMs: 2_000, logger }, {
    onData: (names) => delivered.push(names),
    onError: (error) => errors.push(error),
    onRecover: () => (recoveries += 1),
  });
  t.after(() => loop.stop());
  loop.start();
  await waitFor('first data', () => delivered.at(-1)?.includes('web'));
  await waitFor('a pending blocking request', () =>
    calls.some((call) => call.state === 'pending' && call.options.index !== undefined));

  await agent.restart(); // a dev agent comes back empty: "web" is gone, the index starts over
  await agent.registerService({ ID: 'after-1', Name: 'after-restart', Port: 1 });
  await waitFor('the service registered after the restart', () => delivered.at(-1)?.includes('after-restart'), {
    timeoutMs: 30_000,
  });
  assert.deepEqual(delivered.at(-1), ['after-restart', 'consul']);

  assert.ok(errors.length >= 1, 'the outage was not reported');
  assert.equal(recoveries, 1);
  const warnings = lines.filter((line) => line.level === 'warn');
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.equal(warnings[0]?.msg, 'Consul query failed; retrying');
  assert.equal(warnings[0]?.dependency, 'test.services');
  assert.equal(lines.filter((line) => line.level === 'debug' && line.msg === 'Consul query failed again').length, errors.length - 1);
  assert.deepEqual(
    lines.filter((line) => line.level === 'info').map((line) => [line.msg, line.dependency]),
    [['Consul query recovered', 'test.services']],
  );
  // The first request after the outage starts over without an index.
  const firstAfterFailure = calls.findIndex((call) => call.state === 'failed') + 1;
  const retries = calls.slice(firstAfterFailure);
  assert.ok(retries.length > 0);
  assert.equal(retries[0]?.options.index, undefined);
});

test('deliverEveryIndex: a moved index is delivered even with equal data; a wait that ran out (same index) is not', async (t) => {
  await agent.registerService({ ID: 'twin-1', Name: 'twin', Port: 1 });
  const delivered: { names: string[]; index: number }[] = [];
  const unchanged: number[] = [];
  const loop = new BlockingQuery(client, serviceNames, { waitMs: 200, maxStaleMs: 2_000, logger: recordingLogger().logger, deliverEveryIndex: true }, {
    onData: (names, index) => delivered.push({ names, index }),
    onUnchanged: (index) => unchanged.push(index),
  });
  t.after(() => loop.stop());
  loop.start();
  await waitFor('first data', () => delivered.length === 1);
  await waitFor('two waits that ran out', () => unchanged.length >= 2);
  assert.equal(delivered.length, 1, 'an answer at the index already delivered came again');
  assert.ok(unchanged.every((index) => index === delivered[0]!.index));

  // Another instance of a service already listed: the index moves, the names stay the same.
  await agent.registerService({ ID: 'twin-2', Name: 'twin', Port: 2 });
  await waitFor('the moved index', () => delivered.length === 2);
  assert.deepEqual(delivered[1]!.names, delivered[0]!.names);
  assert.ok(delivered[1]!.index > delivered[0]!.index);
});

test('stop aborts the request in flight and ends the loop', async (t) => {
  const calls: Call[] = [];
  let deliveries = 0;
  const loop = new BlockingQuery(recordingClient(calls), serviceNames, { waitMs: 30_000, maxStaleMs: 2_000, logger: recordingLogger().logger }, {
    onData: () => (deliveries += 1),
  });
  t.after(() => loop.stop()); // when the test fails before its own stop, or the loop would retry for ever
  loop.start();
  const blocking = await waitFor('a pending blocking request', () =>
    calls.find((call) => call.state === 'pending' && call.options.index !== undefined));
  await loop.stop();
  await waitFor('the aborted request to settle', () => blocking.state !== 'pending');
  assert.equal(blocking.state, 'aborted');
  assert.equal(deliveries, 1);
  assert.equal(calls.at(-1), blocking, 'no request after stop');
});

test('an endpoint without an index is polled: asked again after pollMs, never blocking, delivered once per change', async (t) => {
  const calls: Call[] = [];
  const delivered: string[][] = [];
  const unchanged: number[] = [];
  const datacenters: Dependency<string[]> = {
    id: 'test.datacenters',
    query: { path: '/v1/catalog/datacenters', params: {} },
    pollMs: 20,
    parse: ({ body }) => body as string[],
  };
  const { logger, lines } = recordingLogger();
  const loop = new BlockingQuery(recordingClient(calls), datacenters, { logger, waitMs: 5_000, maxStaleMs: 2_000 }, {
    onData: (names) => delivered.push(names),
    onUnchanged: (index) => unchanged.push(index),
  });
  t.after(() => loop.stop());
  loop.start();
  await waitFor('three answers with the same data', () => unchanged.length >= 2);
  assert.deepEqual(delivered, [['dc1']]);
  assert.ok(calls.every((call) => call.options.index === undefined), 'no request blocks');
  assert.deepEqual(lines.filter((line) => line.level === 'warn'), []);
});
