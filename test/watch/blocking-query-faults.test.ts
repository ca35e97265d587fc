// The blocking loop against answers a single real agent cannot be made to give on demand: a
// stale read older than maxStale, a 200 without a known leader, a leaderless 500, malformed or
// truncated bodies, an index that goes backwards or is 0. A scripted fake server gives them, and
// the tests check what it received and what the loop delivered.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { BlockingQuery } from '../../src/watch/blocking-query.ts';
import { ConsulClient, ConsulError } from '../../src/consul/client.ts';
import type { Dependency } from '../../src/dependency/dependency.ts';
import { createLogger, type LogFields } from '../../src/log/logger.ts';
import { waitFor } from '../../harness/wait.ts';
import { hold, json, startFakeConsul, type FakeAnswer, type ReceivedRequest } from '../consul/fake-consul.ts';

const names: Dependency<string[]> = {
  id: 'test.names',
  query: { path: '/v1/catalog/services', params: { dc: 'dc1' } },
  parse: ({ body }) => {
    if (!Array.isArray(body)) throw new Error('expected a list of names');
    return body as string[];
  },
};

type LogLine = LogFields & { level: string; msg: string };

/** Runs a loop against a fake agent answering from `answers` in turn (then holding forever). */
async function watch<T = string[]>(
  t: TestContext,
  answers: FakeAnswer[],
  dependency: Dependency<T> = names as Dependency<unknown> as Dependency<T>,
) {
  const fake = await startFakeConsul((_request, n) => answers[n] ?? hold);
  const client = new ConsulClient({ addresses: [fake.address] });
  const delivered: T[] = [];
  const errors: Error[] = [];
  const lines: LogLine[] = [];
  let recoveries = 0;
  const logger = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(JSON.parse(line)) });
  const loop = new BlockingQuery(client, dependency, { waitMs: 2_000, maxStaleMs: 1_000, logger }, {
    onData: (data) => delivered.push(data),
    onError: (error) => errors.push(error),
    onRecover: () => (recoveries += 1),
  });
  t.after(async () => {
    await loop.stop();
    await client.close();
    await fake.stop();
  });
  loop.start();
  /** Waits until every scripted answer was given and the loop is holding the next request. */
  const settled = () => waitFor('the loop to reach the held request', () => fake.requests.length > answers.length);
  return { fake, loop, delivered, errors, lines, recoveries: () => recoveries, settled };
}

const params = (request: ReceivedRequest | undefined) => Object.fromEntries(request?.query ?? []);

test('a stale answer older than maxStale is replaced at once by a leader (non-stale) read', async (t) => {
  const run = await watch(t, [json(10, ['old'], { lastContactMs: 5_000 }), json(12, ['fresh'])]);
  await run.settled();
  assert.deepEqual(run.delivered, [['fresh']]);
  assert.deepEqual(params(run.fake.requests[0]), { dc: 'dc1', stale: '' });
  assert.deepEqual(params(run.fake.requests[1]), { dc: 'dc1' }, 'the repeat must be neither stale nor blocking');
  assert.deepEqual(params(run.fake.requests[2]), { dc: 'dc1', index: '12', wait: '2s', stale: '' });
  assert.deepEqual(run.errors, []);
});

test('a stale answer within maxStale is used as it is', async (t) => {
  const run = await watch(t, [json(10, ['recent'], { lastContactMs: 900 })]);
  await run.settled();
  assert.deepEqual(run.delivered, [['recent']]);
  assert.deepEqual(params(run.fake.requests[1]), { dc: 'dc1', index: '10', wait: '2s', stale: '' });
});

test('an answer without a known leader is not delivered; the loop retries afresh', async (t) => {
  const run = await watch(t, [json(3, [], { knownLeader: false }), json(4, ['web'])]);
  await run.settled();
  assert.deepEqual(run.delivered, [['web']]);
  assert.equal(run.errors.length, 1);
  assert.match(run.errors[0]!.message, /^GET \/v1\/catalog\/services: the agent knows no cluster leader/);
  assert.equal(params(run.fake.requests[1]).index, undefined);
  assert.equal(run.recoveries(), 1);
});

test('a 500 "No cluster leader" is a failure, retried until the leader is back', async (t) => {
  const leaderless: FakeAnswer = { kind: 'text', status: 500, text: 'No cluster leader' };
  const run = await watch(t, [leaderless, leaderless, json(5, ['web'])]);
  await run.settled();
  assert.deepEqual(run.delivered, [['web']]);
  assert.equal(run.errors.length, 2);
  assert.ok(run.errors[0] instanceof ConsulError);
  assert.equal(run.errors[0].message, 'GET /v1/catalog/services: 500 No cluster leader');
  assert.equal(run.errors[0].status, 500);
});

test('malformed JSON and a truncated body are failures; nothing partial is delivered', async (t) => {
  const run = await watch(t, [
    json(2, ['a']),
    { kind: 'text', status: 200, index: 3, text: '["a", "b"' },
    { kind: 'truncated', index: 4 },
    json(5, ['a', 'b']),
  ]);
  await run.settled();
  assert.deepEqual(run.delivered, [['a'], ['a', 'b']]);
  assert.equal(run.errors.length, 2);
  assert.ok(run.errors[0] instanceof ConsulError);
  assert.match(run.errors[0].message, /^GET \/v1\/catalog\/services: malformed JSON in a 200 answer: /);
  assert.match(run.errors[1]!.message, /^GET \/v1\/catalog\/services: cannot reach Consul at http:\/\/127\.0\.0\.1:\d+: /);
  // Each failure throws the index away: the retry is a fresh, non-blocking read.
  assert.deepEqual(
    run.fake.requests.map((request) => request.query.get('index')),
    [null, '2', null, null, '5'],
  );
});

test('an index going backwards, as the leader confirms, restarts the loop from there', async (t) => {
  const run = await watch(t, [json(100, ['a']), json(7, ['b']), json(8, ['b'])]);
  await run.settled();
  assert.deepEqual(
    run.fake.requests.map((request) => request.query.get('index')),
    [null, '100', null, '8'],
  );
  assert.equal(run.fake.requests[2]?.query.has('stale'), false, 'the fresh read asks the leader');
  assert.deepEqual(run.delivered, [['a'], ['b']]);
  assert.deepEqual(run.errors, []);
});

test('an answer behind the data already seen (a server catching up) is not delivered: the leader is asked', async (t) => {
  // A restarted server still replaying its log answers a stale read with old data, here none.
  const run = await watch(t, [json(100, ['a', 'b']), json(3, []), json(101, ['a', 'b', 'c'])]);
  await run.settled();
  assert.deepEqual(run.delivered, [['a', 'b'], ['a', 'b', 'c']]);
  assert.deepEqual(params(run.fake.requests[1]), { dc: 'dc1', index: '100', wait: '2s', stale: '' });
  assert.deepEqual(params(run.fake.requests[2]), { dc: 'dc1' }, 'the leader read is neither stale nor blocking');
  assert.deepEqual(params(run.fake.requests[3]), { dc: 'dc1', index: '101', wait: '2s', stale: '' });
  assert.deepEqual(run.errors, []);
});

test('after a failure too, a fresh answer behind what was seen goes to the leader before it counts', async (t) => {
  // The failover case: the next agent is a server that has not caught up.
  const run = await watch(t, [json(100, ['a']), { kind: 'truncated', index: 100 }, json(5, []), json(102, ['a'])]);
  await run.settled();
  assert.deepEqual(run.delivered, [['a']], 'the old, empty answer was never delivered');
  assert.deepEqual(params(run.fake.requests[2]), { dc: 'dc1', stale: '' });
  assert.deepEqual(params(run.fake.requests[3]), { dc: 'dc1' });
  assert.equal(run.fake.requests[4]?.query.get('index'), '102');
});

test('an index of 0 is never used to block: the loop blocks on 1', async (t) => {
  const run = await watch(t, [json(0, ['a'])]);
  await run.settled();
  assert.equal(run.fake.requests[1]?.query.get('index'), '1');
  assert.deepEqual(run.delivered, [['a']]);
});

test('unchanged data is delivered once, however often the index moves', async (t) => {
  const run = await watch(t, [json(1, ['a']), json(2, ['a']), json(3, ['a']), json(4, ['a', 'b']), json(5, ['a', 'b'])]);
  await run.settled();
  assert.deepEqual(run.delivered, [['a'], ['a', 'b']]);
  assert.equal(run.fake.requests[5]?.query.get('index'), '5');
});

test('a failure streak logs one warning, then debug lines, then one "recovered"', async (t) => {
  const broken: FakeAnswer = { kind: 'text', status: 200, index: 2, text: 'not json' };
  const run = await watch(t, [json(1, 'not a list'), broken, broken, json(3, ['a'])]);
  await run.settled();
  assert.deepEqual(run.delivered, [['a']]);
  assert.equal(run.errors.length, 3);
  assert.equal(run.errors[0]!.message, 'expected a list of names');

  const byLevel = (level: string) => run.lines.filter((line) => line.level === level);
  assert.deepEqual(
    byLevel('warn').map((line) => [line.msg, line.dependency, line.error]),
    [['Consul query failed; retrying', 'test.names', 'expected a list of names']],
  );
  assert.equal(byLevel('debug').filter((line) => line.msg === 'Consul query failed again').length, 2);
  assert.deepEqual(byLevel('info').map((line) => [line.msg, line.dependency]), [['Consul query recovered', 'test.names']]);
  assert.equal(run.recoveries(), 1);
});

/** Like `names`, but a name with a space is left out and reported through `warn`. */
const withWarnings: Dependency<string[]> = {
  ...names,
  parse: ({ body }, warn) => {
    const all = body as string[];
    for (const name of all) if (name.includes(' ')) warn(`left out service "${name}": a space in its name`);
    return all.filter((name) => !name.includes(' '));
  },
};

test("each distinct message from parse's warn is logged once", async (t) => {
  const run = await watch(t, [json(1, ['a', 'b c']), json(2, ['a', 'b c', 'd']), json(3, ['a', 'b c', 'd e'])], withWarnings);
  await run.settled();
  assert.deepEqual(run.delivered, [['a'], ['a', 'd'], ['a']]);
  assert.deepEqual(
    run.lines.filter((line) => line.level === 'warn').map((line) => [line.msg, line.dependency]),
    [
      ['left out service "b c": a space in its name', 'test.names'],
      ['left out service "d e": a space in its name', 'test.names'],
    ],
  );
});

test("a message from parse's warn is logged again when its entry comes back after it was gone", async (t) => {
  const run = await watch(t, [json(1, ['a', 'b c']), json(2, ['a']), json(3, ['a', 'b c'])], withWarnings);
  await run.settled();
  assert.deepEqual(
    run.lines.filter((line) => line.level === 'warn').map((line) => line.msg),
    ['left out service "b c": a space in its name', 'left out service "b c": a space in its name'],
  );
});

test('stop aborts the held request: the agent sees the connection go', async (t) => {
  const run = await watch(t, [json(1, ['a'])]);
  await run.settled();
  let closed = false;
  void run.fake.requests[1]!.closed.then(() => (closed = true));
  await run.loop.stop();
  await waitFor('the held request to be dropped', () => closed);
  assert.equal(run.fake.requests.length, 2, 'no request after stop');
});
