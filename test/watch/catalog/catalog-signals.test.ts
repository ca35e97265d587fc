// The diffs that turn two catalog-wide answers into the services and nodes that changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffChecks, diffNodes, diffServiceNames, diffServiceSummaries, nodesInAnswer, servicesByNode } from '../../../src/watch/catalog/catalog-signals.ts';
import { allChecks, serviceSummaries, type CheckRow } from '../../../src/dependency/catalog-changes.ts';

const before: CheckRow[] = [
  ['n1', 'web-1-alive', 'web', 10],
  ['n1', 'serfHealth', '', 5],
  ['n2', 'api-1-alive', 'api', 11],
  ['n2', 'db-1-alive', 'db', 12],
];

test('unchanged checks show no change', () => {
  const changes = diffChecks(before, [...before]);
  assert.equal(changes.services.size, 0);
  assert.equal(changes.nodes.size, 0);
  assert.equal(changes.writes.size, 0);
});

test('a changed, an added and a removed check each mark their service', () => {
  const after: CheckRow[] = [
    ['n1', 'web-1-alive', 'web', 20],
    ['n1', 'serfHealth', '', 5],
    ['n2', 'api-1-alive', 'api', 11],
    ['n3', 'cache-1-alive', 'cache', 21],
  ];
  const changes = diffChecks(before, after);
  assert.deepEqual(
    [...changes.services].sort(),
    [['cache', 21], ['db', undefined], ['web', 20]],
    'a removed check carries no index',
  );
  assert.deepEqual([...changes.writes].sort(), [20, 21]);
  assert.equal(changes.nodes.size, 0);
});

test('a node check marks its node, not a service', () => {
  const after: CheckRow[] = before.map((row) => (row[1] === 'serfHealth' ? ['n1', 'serfHealth', '', 30] : row));
  const changes = diffChecks(before, after);
  assert.deepEqual([...changes.nodes], ['n1']);
  assert.equal(changes.services.size, 0);
});

test('a service with one known and one removed change has an unknown index', () => {
  const after: CheckRow[] = [['n1', 'web-1-alive', 'web', 20], ['n1', 'serfHealth', '', 5], ['n2', 'api-1-alive', 'api', 11]];
  const withTwoWebChecks: CheckRow[] = [...before, ['n2', 'web-2-alive', 'web', 13]];
  assert.equal(diffChecks(withTwoWebChecks, after).services.get('web'), undefined);
  assert.ok(diffChecks(withTwoWebChecks, after).services.has('web'));
});

test('nodes: changed, added and removed', () => {
  const changes = diffNodes([['n1', 1], ['n2', 2], ['n3', 3]], [['n1', 1], ['n2', 9], ['n4', 10]]);
  assert.deepEqual([...changes.nodes].sort(), ['n2', 'n3', 'n4']);
  assert.deepEqual([...changes.writes].sort(), [10, 9]);
});

test('service names: appeared, disappeared, tags changed; tag order does not count', () => {
  const changed = diffServiceNames(
    [{ Name: 'web', Tags: ['a', 'b'] }, { Name: 'api', Tags: [] }, { Name: 'db', Tags: ['x'] }],
    [{ Name: 'web', Tags: ['b', 'a'] }, { Name: 'db', Tags: ['y'] }, { Name: 'cache', Tags: [] }],
  );
  assert.deepEqual([...changed].sort(), ['api', 'cache', 'db']);
});

test('services by node come from service checks only', () => {
  const byNode = servicesByNode(before);
  assert.deepEqual([...(byNode.get('n1') ?? [])], ['web']);
  assert.deepEqual([...(byNode.get('n2') ?? [])].sort(), ['api', 'db']);
});

test('the nodes of a health answer are read before any parsing', () => {
  assert.deepEqual([...nodesInAnswer([{ Node: { Node: 'n1' } }, { Node: { Node: 'n2' } }, { Node: null }, 'junk'])], ['n1', 'n2']);
  assert.equal(nodesInAnswer(undefined).size, 0);
});

test('check rows are read from Consul\'s answer, and a malformed one is refused', () => {
  const checks = allChecks(undefined);
  const rows = checks.parse(
    { found: true, body: [{ Node: 'n1', CheckID: 'c1', ServiceName: 'web', ModifyIndex: 7, Status: 'passing' }] },
    () => {},
  );
  assert.deepEqual(rows, [['n1', 'c1', 'web', 7]]);
  assert.throws(() => checks.parse({ found: true, body: [{ Node: 'n1', CheckID: 'c1' }] }, () => {}), /ModifyIndex/);
  assert.equal(allChecks('dc2').query.params['dc'], 'dc2');
});

test('checks diff: the same changes as comparing every row by key, whatever was inserted, removed or moved', () => {
  // The reference: every row looked up by key, no shortcut for rows that line up.
  const byKey = (before: readonly CheckRow[], after: readonly CheckRow[]) => {
    const services = new Map<string, number | undefined>();
    const nodes = new Set<string>();
    const writes = new Set<number>();
    const mark = (row: CheckRow, index: number | undefined) => {
      if (row[2] === '') return void nodes.add(row[0]);
      const unknown = index === undefined || (services.has(row[2]) && services.get(row[2]) === undefined);
      services.set(row[2], unknown ? undefined : Math.max(services.get(row[2]) ?? 0, index));
    };
    const old = new Map(before.map((row) => [`${row[0]} ${row[1]}`, row]));
    for (const row of after) {
      const was = old.get(`${row[0]} ${row[1]}`);
      old.delete(`${row[0]} ${row[1]}`);
      if (was !== undefined && was[3] === row[3] && was[2] === row[2]) continue;
      mark(row, row[3]);
      if (was !== undefined && was[2] !== row[2]) mark(was, row[3]);
      writes.add(row[3]);
    }
    for (const removed of old.values()) mark(removed, undefined);
    return { services, nodes, writes };
  };
  const row = fc.tuple(fc.constantFrom('n1', 'n2', 'n3'), fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.constantFrom('', 'web', 'api'), fc.integer({ min: 1, max: 9 }));
  const checks = fc.uniqueArray(row, { selector: (r) => `${r[0]} ${r[1]}`, maxLength: 12 });
  fc.assert(
    fc.property(checks, checks, fc.integer({ min: 0, max: 12 }), (before, extra, keep) => {
      // After: a run of the same rows (some rewritten), others inserted or dropped around them.
      const kept = before.slice(0, keep).map((r, i) => (i % 3 === 0 ? ([r[0], r[1], r[2], r[3] + 10] as CheckRow) : r));
      const keys = new Set(kept.map((r) => `${r[0]} ${r[1]}`));
      const after = [...kept, ...extra.filter((r) => !keys.has(`${r[0]} ${r[1]}`)), ...before.slice(keep + 1).filter((r) => !extra.some((e) => e[0] === r[0] && e[1] === r[1]))];
      const got = diffChecks(before, after);
      const want = byKey(before, after);
      assert.deepEqual([...got.services].sort(), [...want.services].sort());
      assert.deepEqual([...got.nodes].sort(), [...want.nodes].sort());
      assert.deepEqual([...got.writes].sort(), [...want.writes].sort());
    }),
    { numRuns: 500 },
  );
});

test('service summaries: a changed instance count or set of tags, and services that came or went', () => {
  const summary = serviceSummaries(undefined);
  const read = (entries: unknown[]) => summary.parse({ found: true, body: entries }, () => {});
  const before = read([
    { Name: 'a', InstanceCount: 2, Tags: ['x', 'y'] },
    { Name: 'b', InstanceCount: 1, Tags: null },
    { Name: 'c', InstanceCount: 3, Tags: ['z'] },
  ]);
  const after = read([
    { Name: 'a', InstanceCount: 2, Tags: ['y', 'x'] },
    { Name: 'b', InstanceCount: 2, Tags: null },
    { Name: 'd', InstanceCount: 1, Tags: [] },
  ]);
  assert.deepEqual([...diffServiceSummaries(before, after)].sort(), ['b', 'c', 'd']);
  assert.throws(() => read([{ Name: 'a', Tags: [] }]), /InstanceCount/);
});
