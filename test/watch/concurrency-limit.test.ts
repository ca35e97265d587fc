// The bound on concurrent fetches, and which dependencies may share catalog-wide detection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthService } from '../../src/dependency/health-service.ts';
import { kvList } from '../../src/dependency/kv-list.ts';
import { parseServiceQuery } from '../../src/dependency/service-query.ts';
import { ConcurrencyLimit } from '../../src/watch/concurrency-limit.ts';
import { pooledServiceOf } from '../../src/watch/catalog/pooled-service.ts';

test('never more tasks at once than the limit, and every task runs in arrival order', async () => {
  const limit = new ConcurrencyLimit(3);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const releases: (() => void)[] = [];
  const tasks = Array.from({ length: 10 }, (_, index) =>
    limit.run(async () => {
      started.push(index);
      running += 1;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running -= 1;
      return index;
    }),
  );
  // Release tasks one by one as they start, until all have run.
  while (started.length < 10 || releases.length > 0) {
    await new Promise((resolve) => setImmediate(resolve));
    releases.shift()?.();
  }
  assert.deepEqual(await Promise.all(tasks), [...Array(10).keys()]);
  assert.equal(peak, 3);
  assert.deepEqual(started, [...Array(10).keys()]);
  assert.equal(limit.running, 0);
});

test('a failing task frees its slot', async () => {
  const limit = new ConcurrencyLimit(1);
  await assert.rejects(limit.run(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await limit.run(() => Promise.resolve('next')), 'next');
});

test('a limit below one is refused', () => {
  assert.throws(() => new ConcurrencyLimit(0), /concurrency limit/);
});

test('service health queries can be pooled, with their datacenter; other queries cannot', () => {
  assert.deepEqual(pooledServiceOf(healthService(parseServiceQuery('blue.web@dc2|any'))), { name: 'web', dc: 'dc2' });
  assert.deepEqual(pooledServiceOf(healthService(parseServiceQuery('my service'))), { name: 'my service', dc: undefined });
  assert.equal(pooledServiceOf(kvList('config')), undefined);
  const withUnknownParameter = { ...healthService(parseServiceQuery('web')), query: { path: '/v1/health/service/web', params: { near: '_agent' } } };
  assert.equal(pooledServiceOf(withUnknownParameter), undefined);
});

test('whenIdle resolves once no task runs or waits, at once when none does, and on abort', async () => {
  const limit = new ConcurrencyLimit(1);
  const never = new AbortController().signal;
  await limit.whenIdle(never);
  const releases: (() => void)[] = [];
  const tasks = [0, 1].map(() => limit.run(() => new Promise<void>((resolve) => releases.push(resolve))));
  let idle = false;
  const waited = limit.whenIdle(never).then(() => (idle = true));
  await new Promise((resolve) => setImmediate(resolve));
  releases.shift()!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(idle, false, 'the second task still runs');
  const aborted = new AbortController();
  const cut = limit.whenIdle(aborted.signal);
  aborted.abort();
  await cut;
  releases.shift()!();
  await Promise.all([...tasks, waited]);
  assert.equal(idle, true);
});
