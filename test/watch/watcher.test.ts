// The watcher against a real Consul agent: one blocking query per dependency below the budget,
// catalog-wide change detection above it, and in both cases the same data as Consul serves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsulClient } from '../../src/consul/client.ts';
import type { Dependency } from '../../src/dependency/dependency.ts';
import { healthService, type ServiceInstance } from '../../src/dependency/health-service.ts';
import { kvList } from '../../src/dependency/kv-list.ts';
import { parseServiceQuery } from '../../src/dependency/service-query.ts';
import { createLogger, silentLogger } from '../../src/log/logger.ts';
import { Watcher, type WatcherOptions } from '../../src/watch/watcher.ts';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { waitFor } from '../../harness/wait.ts';
import { countingReader, type CountingReader } from './counting-reader.ts';

const serviceCount = 60;
const budget = 10;
const maxFetches = 4;
const nodes = ['node-a', 'node-b', 'node-c'];

let agent: ConsulAgent;
let client: ConsulClient;
const cleanups: (() => void)[] = [];

before(async () => {
  agent = await startConsul();
  client = new ConsulClient({ addresses: [agent.address] });
  const registrations: Promise<unknown>[] = [];
  for (let service = 0; service < serviceCount; service += 1) {
    for (let instance = 0; instance < 2; instance += 1) registrations.push(register(service, instance));
  }
  await Promise.all(registrations);
});
after(async () => {
  for (const cleanup of cleanups) cleanup();
  await client?.close();
  await agent?.stop();
});

function nodeOf(service: number, instance: number): string {
  return nodes[(service + instance) % nodes.length]!;
}

function nodeAddress(node: string): string {
  return `10.9.0.${nodes.indexOf(node) + 1}`;
}

/** One instance with one check, through the catalog API (on nodes other than the agent's own). */
function register(service: number, instance: number, status = 'passing', withCheck = true): Promise<unknown> {
  const node = nodeOf(service, instance);
  const id = `svc-${service}-${instance}`;
  return agent.api('PUT', '/v1/catalog/register', {
    Node: node,
    Address: nodeAddress(node),
    Service: { ID: id, Service: `svc-${service}`, Address: `10.10.${service}.${instance + 1}`, Port: 8000 + instance, Tags: [instance === 0 ? 'blue' : 'green'] },
    Checks: withCheck ? [{ CheckID: `check-${id}`, Name: 'alive', Status: status, ServiceID: id }] : [],
  });
}

function checkStatus(service: number, instance: number, status: string) {
  const id = `svc-${service}-${instance}`;
  return { Check: { Verb: 'set', Check: { Node: nodeOf(service, instance), CheckID: `check-${id}`, Name: 'alive', Status: status, ServiceID: id } } };
}

function service(query: string): Dependency<ServiceInstance[]> {
  return healthService(parseServiceQuery(query));
}

function serviceDependencies(count = serviceCount): Dependency<ServiceInstance[]>[] {
  return Array.from({ length: count }, (_, index) => service(`svc-${index}`));
}

function startWatcher(options: Partial<WatcherOptions> = {}): { watcher: Watcher; reader: CountingReader } {
  const reader = countingReader(client);
  const watcher = new Watcher(reader, {
    waitMs: 30_000,
    maxStaleMs: 2_000,
    logger: silentLogger,
    maxBlockingQueries: budget,
    maxFetches,
    ...options,
  });
  cleanups.push(() => watcher.stop());
  return { watcher, reader };
}

/** What Consul answers for the dependency's own query now. */
async function truth(dependency: Dependency): Promise<string> {
  const response = await client.get(dependency.query.path, dependency.query.params);
  return JSON.stringify(dependency.parse({ found: response.status !== 404, body: response.body }, () => {}));
}

/** Waits until the watcher holds exactly what Consul serves for every dependency. */
async function waitForTruth(watcher: Watcher, dependencies: Dependency[]): Promise<void> {
  let mismatch = '';
  await waitFor(
    `watcher data equal to Consul's for ${dependencies.length} dependencies`,
    async () => {
      for (const dependency of dependencies) {
        const held = JSON.stringify(watcher.get(dependency)?.value);
        const served = await truth(dependency);
        if (held === served) continue;
        mismatch = `${dependency.id} holds ${held?.slice(0, 200)}, Consul serves ${served.slice(0, 200)}`;
        return undefined;
      }
      return true;
    },
    { intervalMs: 100 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; ${mismatch}`);
  });
}

function instancesOf(watcher: Watcher, dependency: Dependency<ServiceInstance[]>): ServiceInstance[] {
  return (watcher.get(dependency)?.value ?? []) as ServiceInstance[];
}

function isServiceLoop(path: string): boolean {
  return path.startsWith('/v1/health/service/');
}

/** Reads of single services so far (fetches and blocking queries alike). */
function serviceReads(reader: CountingReader): number {
  return [...reader.finished].filter(([path]) => isServiceLoop(path)).reduce((sum, [, count]) => sum + count, 0);
}

async function waitForQuietServiceReads(reader: CountingReader): Promise<void> {
  await waitFor('no service read for 300 ms', async () => {
    const before = serviceReads(reader);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return serviceReads(reader) === before || undefined;
  });
}

test('below the budget each service dependency has its own blocking query', async () => {
  const { watcher, reader } = startWatcher();
  const dependencies = serviceDependencies(5);
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);
  await waitFor('five blocking queries', () => reader.blocking === 5 || undefined);
  assert.deepEqual(reader.blockingPaths().filter(isServiceLoop).length, 5);
  assert.ok(reader.peakBlocking <= budget);
});

test('below the budget the first reads take turns of the fetch limit, and no long-poll opens before they are all answered', async () => {
  const reader = countingReader(client);
  const events: string[] = [];
  let atOnce = 0;
  let peakAtOnce = 0;
  const recording = {
    get: async (...args: Parameters<CountingReader['get']>) => {
      const blocking = args[2]?.index !== undefined;
      events.push(blocking ? 'blocking' : 'first');
      if (!blocking) peakAtOnce = Math.max(peakAtOnce, (atOnce += 1));
      try {
        return await reader.get(...args);
      } finally {
        if (!blocking) atOnce -= 1;
        if (!blocking) events.push('answered');
      }
    },
  };
  const watcher = new Watcher(recording, { waitMs: 30_000, maxStaleMs: 2_000, logger: silentLogger, maxBlockingQueries: 20, maxFetches });
  cleanups.push(() => watcher.stop());
  const dependencies = serviceDependencies(15);
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);
  await waitFor('15 long-polls', () => reader.blocking === 15 || undefined);
  assert.equal(peakAtOnce, maxFetches);
  assert.equal(events.indexOf('blocking'), events.lastIndexOf('answered') + 1, events.join(' '));
});

test('beyond the budget the blocking queries stay within it, and every service arrives in full', async () => {
  const { watcher, reader } = startWatcher();
  await agent.putKey('settings/mode', 'edge');
  const dependencies = [...serviceDependencies(), kvList('settings')];
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);
  assert.equal(watcher.size, serviceCount + 1);
  assert.ok(reader.peakBlocking <= budget, `peak blocking queries ${reader.peakBlocking} > ${budget}`);
  assert.ok(reader.peakInFlight <= budget + maxFetches, `peak requests in flight ${reader.peakInFlight}`);
  assert.deepEqual(reader.blockingPaths().filter(isServiceLoop), [], 'no per-service blocking query');
  assert.ok(reader.blockingPaths().includes('/v1/health/state/critical'));
  assert.ok(reader.blockingPaths().includes('/v1/health/state/warning'));
  for (const dependency of dependencies.slice(0, serviceCount)) {
    assert.equal(instancesOf(watcher, dependency as Dependency<ServiceInstance[]>).length, 2);
  }
});

test('a registration, a deregistration and a check turning critical each reach the data', async () => {
  const { watcher, reader } = startWatcher();
  const dependencies = serviceDependencies();
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);

  await register(7, 2);
  await waitFor('the new instance of svc-7', () => instancesOf(watcher, dependencies[7]!).length === 3 || undefined);

  await agent.api('PUT', '/v1/catalog/deregister', { Node: nodeOf(8, 1), ServiceID: 'svc-8-1' });
  await waitFor('svc-8 without its instance 1', () => instancesOf(watcher, dependencies[8]!).length === 1 || undefined);

  await agent.api('PUT', '/v1/txn', [checkStatus(9, 0, 'critical')]);
  await waitFor('svc-9 without its critical instance', () => instancesOf(watcher, dependencies[9]!).length === 1 || undefined);
  assert.equal(instancesOf(watcher, dependencies[9]!)[0]!.ID, 'svc-9-1');

  await waitForTruth(watcher, dependencies);
  assert.ok(reader.peakBlocking <= budget);
  // Put the catalog back for the tests that follow.
  await agent.api('PUT', '/v1/catalog/deregister', { Node: nodeOf(7, 2), ServiceID: 'svc-7-2' });
  await register(8, 1);
  await agent.api('PUT', '/v1/txn', [checkStatus(9, 0, 'passing')]);
  await waitForTruth(watcher, dependencies);
});

test('services changed in one write are all applied before any listener hears of one', async () => {
  const { watcher } = startWatcher();
  const dependencies = serviceDependencies();
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);

  const changed = [20, 21, 22, 23, 24, 25];
  const seenAtFirstNotice: number[][] = [];
  watcher.onChange((dependency) => {
    const index = dependencies.indexOf(dependency as Dependency<ServiceInstance[]>);
    if (!changed.includes(index) || seenAtFirstNotice.length > 0) return;
    seenAtFirstNotice.push(changed.map((service) => instancesOf(watcher, dependencies[service]!).length));
  });
  await agent.api('PUT', '/v1/txn', changed.map((service) => checkStatus(service, 1, 'critical')));
  await waitFor('a notice', () => seenAtFirstNotice.length > 0 || undefined);
  assert.deepEqual(seenAtFirstNotice[0], changed.map(() => 1), 'every changed service already has its new data');

  await agent.api('PUT', '/v1/txn', changed.map((service) => checkStatus(service, 1, 'passing')));
  await waitForTruth(watcher, dependencies);
});

test('tag and status filters get the same data as their own queries would', async () => {
  const { watcher, reader } = startWatcher();
  const filtered = [service('blue.svc-30'), service('svc-31|any'), service('svc-32|passing,warning'), service('green.svc-33|critical')];
  const dependencies = [...serviceDependencies(), ...filtered];
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);
  assert.deepEqual(reader.blockingPaths().filter(isServiceLoop), []);

  await agent.api('PUT', '/v1/txn', [checkStatus(30, 0, 'critical'), checkStatus(31, 0, 'critical'), checkStatus(32, 1, 'warning'), checkStatus(33, 1, 'critical')]);
  await waitFor('the critical instance of green.svc-33', () => instancesOf(watcher, filtered[3]!).length === 1 || undefined);
  await waitForTruth(watcher, dependencies);
  assert.equal(instancesOf(watcher, filtered[0]!).length, 0, 'blue.svc-30 has no passing instance');
  assert.equal(instancesOf(watcher, filtered[1]!).length, 2, 'svc-31|any keeps the critical one');
  assert.equal(instancesOf(watcher, filtered[2]!).length, 2, 'svc-32|passing,warning keeps the warning one');

  await agent.api('PUT', '/v1/txn', [checkStatus(30, 0, 'passing'), checkStatus(31, 0, 'passing'), checkStatus(32, 1, 'passing'), checkStatus(33, 1, 'passing')]);
  await waitForTruth(watcher, dependencies);
});

test('an instance without checks, added and removed, reaches the data', async () => {
  const { watcher } = startWatcher();
  const dependencies = serviceDependencies();
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);

  await register(40, 2, 'passing', false);
  await waitFor('the unchecked instance of svc-40', () => instancesOf(watcher, dependencies[40]!).length === 3 || undefined);
  await agent.api('PUT', '/v1/catalog/deregister', { Node: nodeOf(40, 2), ServiceID: 'svc-40-2' });
  await waitFor('svc-40 without it', () => instancesOf(watcher, dependencies[40]!).length === 2 || undefined);
  await waitForTruth(watcher, dependencies);
});

test('an instance without checks is found in the service summary and fetched before the other services', async () => {
  const { watcher, reader } = startWatcher();
  const dependencies = serviceDependencies();
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);
  await waitFor('the summary read once', () => (reader.finished.get('/v1/internal/ui/services') ?? 0) > 0 || undefined);
  await waitForQuietServiceReads(reader);
  const before = serviceReads(reader);
  // svc-59 is the last service a sweep would fetch.
  let readsAtNotice: number | undefined;
  watcher.onChange((dependency) => {
    if (dependency.id === dependencies[59]!.id) readsAtNotice ??= serviceReads(reader) - before;
  });

  await register(59, 2, 'passing', false);
  await waitFor('the unchecked instance of svc-59', () => instancesOf(watcher, dependencies[59]!).length === 3 || undefined);
  assert.ok(readsAtNotice !== undefined && readsAtNotice < serviceCount / 2, `${readsAtNotice} service reads before svc-59's new instance`);
  await agent.api('PUT', '/v1/catalog/deregister', { Node: nodeOf(59, 2), ServiceID: 'svc-59-2' });
  await waitFor('svc-59 without it', () => instancesOf(watcher, dependencies[59]!).length === 2 || undefined);
  await waitForTruth(watcher, dependencies);
});

test('a node check turning critical reaches every service on that node', async () => {
  const { watcher } = startWatcher();
  const dependencies = serviceDependencies();
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);

  const nodeCheck = (status: string) => ({ Check: { Verb: 'set', Check: { Node: 'node-b', CheckID: 'node-b-alive', Name: 'node alive', Status: status } } });
  await agent.api('PUT', '/v1/txn', [nodeCheck('critical')]);
  await waitForTruth(watcher, dependencies);
  const onNodeB = dependencies.filter((_, index) => [0, 1].some((instance) => nodeOf(index, instance) === 'node-b'));
  assert.ok(onNodeB.length > 0);
  for (const dependency of onNodeB) {
    assert.ok(instancesOf(watcher, dependency).every((instance) => instance.Node !== 'node-b'));
  }

  await agent.api('PUT', '/v1/catalog/deregister', { Node: 'node-b', CheckID: 'node-b-alive' });
  await waitForTruth(watcher, dependencies);
  for (const dependency of onNodeB) assert.ok(instancesOf(watcher, dependency).some((instance) => instance.Node === 'node-b'));
});

test('a node whose address changes reaches the services on it', async () => {
  const { watcher } = startWatcher();
  const dependencies = serviceDependencies();
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);

  await agent.api('PUT', '/v1/catalog/register', { Node: 'node-c', Address: '10.9.9.9' });
  await waitForTruth(watcher, dependencies);
  const onNodeC = dependencies.flatMap((dependency) => instancesOf(watcher, dependency)).filter((instance) => instance.Node === 'node-c');
  assert.ok(onNodeC.length > 0);
  assert.ok(onNodeC.every((instance) => instance.NodeAddress === '10.9.9.9'));

  await agent.api('PUT', '/v1/catalog/register', { Node: 'node-c', Address: nodeAddress('node-c') });
  await waitForTruth(watcher, dependencies);
});

test('a service that does not exist yet arrives once registered', async () => {
  const { watcher } = startWatcher();
  const later = service('svc-later');
  const dependencies = [...serviceDependencies(), later];
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);
  assert.deepEqual(watcher.get(later)?.value, []);

  await agent.api('PUT', '/v1/catalog/register', {
    Node: 'node-a', Address: nodeAddress('node-a'),
    Service: { ID: 'later-1', Service: 'svc-later', Port: 9000 },
    Checks: [{ CheckID: 'check-later-1', Name: 'alive', Status: 'passing', ServiceID: 'later-1' }],
  });
  await waitFor('svc-later', () => instancesOf(watcher, later).length === 1 || undefined);
  await agent.api('PUT', '/v1/catalog/deregister', { Node: 'node-a', ServiceID: 'later-1' });
  await waitFor('svc-later gone', () => instancesOf(watcher, later).length === 0 || undefined);
});

test('dropping back under the budget returns to one blocking query each, keeping the data', async () => {
  const { watcher, reader } = startWatcher();
  const dependencies = serviceDependencies();
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);
  const kept = dependencies.slice(0, 5);
  const before = kept.map((dependency) => JSON.stringify(watcher.get(dependency)?.value));

  let notices = 0;
  watcher.onChange(() => (notices += 1));
  watcher.retain('template', kept);
  assert.deepEqual(kept.map((dependency) => JSON.stringify(watcher.get(dependency)?.value)), before, 'data kept while switching');
  assert.equal(watcher.size, 5);
  await waitFor('one blocking query per dependency', () => reader.blockingPaths().filter(isServiceLoop).length === 5 || undefined);
  await waitFor('the catalog-wide queries stopped', () => !reader.blockingPaths().some((path) => path.startsWith('/v1/health/state/')) || undefined);
  assert.equal(notices, 0, 'the same data from the new loops is not news');

  await agent.api('PUT', '/v1/txn', [checkStatus(3, 0, 'critical')]);
  await waitFor('svc-3 without its critical instance', () => instancesOf(watcher, kept[3]!).length === 1 || undefined);
  await agent.api('PUT', '/v1/txn', [checkStatus(3, 0, 'passing')]);
  await waitForTruth(watcher, kept);
});

test('queries that cannot share detection, beyond the budget, are warned about', async () => {
  const reader = countingReader(client);
  const lines: string[] = [];
  const watcher = new Watcher(reader, {
    waitMs: 30_000,
    maxStaleMs: 2_000,
    logger: createLogger({ level: 'warn', write: (line) => lines.push(line) }),
    maxBlockingQueries: budget,
    maxFetches,
  });
  cleanups.push(() => watcher.stop());
  const prefixes = Array.from({ length: budget + 2 }, (_, index) => kvList(`many/${index}`));
  watcher.retain('template', [...prefixes, ...serviceDependencies(5)]);
  assert.equal(lines.filter((line) => line.includes('more blocking queries than the budget')).length, 1);
  await waitForTruth(watcher, serviceDependencies(5));
  watcher.retain('template', prefixes.slice(0, 2));
  watcher.retain('template', prefixes);
  assert.equal(lines.filter((line) => line.includes('more blocking queries than the budget')).length, 2, 'warned again after going under');
});

test('check writes made before the start, after the last service change, cost no fetch of every service', async () => {
  // Consul's own coordinate updates also take Raft indexes, and one between the check writes and
  // the registration would rightly earn a catch-up: an attempt counts only if none came.
  for (let attempt = 1; ; attempt += 1) {
    // Writes the first load already holds: the next service change must not look past them.
    await agent.api('PUT', '/v1/txn', [checkStatus(52, 0, 'critical')]);
    await agent.api('PUT', '/v1/txn', [checkStatus(52, 0, 'passing')]);
    const checksWritten = await currentIndex('/v1/health/state/warning');
    const { watcher, reader } = startWatcher({ catchUpSpacingMs: 0 });
    const dependencies = serviceDependencies();
    watcher.retain('template', dependencies);
    await waitForTruth(watcher, dependencies);
    await waitForQuietServiceReads(reader);
    const before = serviceReads(reader);

    await register(51, 2);
    const registered = await currentIndex('/v1/catalog/services');
    await waitFor('the new instance of svc-51', () => instancesOf(watcher, dependencies[51]!).length === 3 || undefined);
    await waitForQuietServiceReads(reader);
    const reads = serviceReads(reader) - before;
    watcher.stop();
    await agent.api('PUT', '/v1/catalog/deregister', { Node: nodeOf(51, 2), ServiceID: 'svc-51-2' });
    if (registered === checksWritten + 1) {
      assert.ok(reads < serviceCount / 2, `${reads} service reads for one registration`);
      return;
    }
    assert.ok(attempt < 5, `another writer took Raft indexes between the writes in ${attempt} attempts`);
  }
});

/** The X-Consul-Index of a non-blocking read. */
async function currentIndex(path: string): Promise<number> {
  const response = await client.get(path, {});
  assert.ok(response.index !== undefined);
  return response.index;
}

test('a write between two service changes that nothing accounts for makes every service be fetched again', async () => {
  const { watcher, reader } = startWatcher({ catchUpSpacingMs: 0 });
  const dependencies = serviceDependencies();
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);
  await register(50, 2);
  await waitFor('the new instance of svc-50', () => instancesOf(watcher, dependencies[50]!).length === 3 || undefined);
  await waitForQuietServiceReads(reader);
  const before = serviceReads(reader);

  // A KV write takes a Raft index no catalog answer accounts for: it might have been a service
  // write without checks, so the next service change brings every service in again.
  await agent.putKey('unrelated', 'x');
  await agent.api('PUT', '/v1/catalog/deregister', { Node: nodeOf(50, 2), ServiceID: 'svc-50-2' });
  await waitFor('svc-50 without it', () => instancesOf(watcher, dependencies[50]!).length === 2 || undefined);
  await waitFor('every service fetched again', () => serviceReads(reader) - before >= serviceCount || undefined);
  await waitForTruth(watcher, dependencies);
});

test('a check turning critical and back reaches the data from the fast signals, without the list of all checks', async () => {
  // Longer than the test: a list of all checks read meanwhile was asked for by the flips.
  const { watcher, reader } = startWatcher({ checksReconcileMs: 600_000 });
  const dependencies = serviceDependencies();
  watcher.retain('template', dependencies);
  await waitForTruth(watcher, dependencies);
  const allChecksReads = () => reader.finished.get('/v1/health/state/any') ?? 0;
  const before = allChecksReads();

  await agent.api('PUT', '/v1/txn', [checkStatus(11, 0, 'critical')]);
  await waitFor('svc-11 without its critical instance', () => instancesOf(watcher, dependencies[11]!).length === 1 || undefined);
  await agent.api('PUT', '/v1/txn', [checkStatus(11, 0, 'passing')]);
  await waitFor('svc-11 with both instances again', () => instancesOf(watcher, dependencies[11]!).length === 2 || undefined);
  await waitForTruth(watcher, dependencies);
  assert.equal(allChecksReads(), before, 'the list of all checks was read for a change the fast signals had explained');

  // A registration is not explained by them: its list comes at once.
  await register(11, 2);
  await waitFor('the new instance of svc-11', () => instancesOf(watcher, dependencies[11]!).length === 3 || undefined);
  assert.ok(allChecksReads() > before);
  await agent.api('PUT', '/v1/catalog/deregister', { Node: nodeOf(11, 2), ServiceID: 'svc-11-2' });
  await waitFor('svc-11 back to two instances', () => instancesOf(watcher, dependencies[11]!).length === 2 || undefined);
});
