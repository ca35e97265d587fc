import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogNodes } from '../../src/dependency/catalog-nodes.ts';
import { catalogServices } from '../../src/dependency/catalog-services.ts';
import { kvKey } from '../../src/dependency/kv-key.ts';
import { directChildren, kvList } from '../../src/dependency/kv-list.ts';
import { KvPathError } from '../../src/dependency/kv-path.ts';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const noWarnings = () => assert.fail('no warning expected');

describe('catalogServices', () => {
  test('lists services with their tags, both sorted (Consul gives tags in no fixed order)', () => {
    const dependency = catalogServices();
    assert.equal(dependency.id, 'catalog.services()');
    assert.deepEqual(dependency.query, { path: '/v1/catalog/services', params: { dc: undefined } });
    const body = { web: ['b', 'a'], 'CAS Client Service': null, consul: [] };
    assert.deepEqual(dependency.parse({ found: true, body }, noWarnings), [
      { Name: 'CAS Client Service', Tags: [] },
      { Name: 'consul', Tags: [] },
      { Name: 'web', Tags: ['a', 'b'] },
    ]);
  });

  test('passes the datacenter', () => {
    const dependency = catalogServices('dc2');
    assert.equal(dependency.id, 'catalog.services(@dc2)');
    assert.deepEqual(dependency.query.params, { dc: 'dc2' });
  });

  test('rejects tags that are not text', () => {
    assert.throws(() => catalogServices().parse({ found: true, body: { web: [1] } }, noWarnings), /expected field web to be a list of strings/);
  });
});

describe('catalogNodes', () => {
  test('lists nodes sorted by name and leaves out one with an unsafe address', () => {
    const warnings: string[] = [];
    const body = [
      { ID: 'id-b', Node: 'b', Address: '10.0.0.2', Datacenter: 'dc1', TaggedAddresses: null, Meta: { k: 'v' } },
      { ID: 'id-a', Node: 'a', Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: { lan: '10.0.0.1' }, Meta: null },
      { ID: 'id-x', Node: 'x', Address: '10.0.0.3\nevil', Datacenter: 'dc1' },
    ];
    const dependency = catalogNodes('dc1');
    assert.equal(dependency.id, 'catalog.nodes(@dc1)');
    assert.deepEqual(dependency.query, { path: '/v1/catalog/nodes', params: { dc: 'dc1' } });
    assert.deepEqual(dependency.parse({ found: true, body }, (message) => warnings.push(message)), [
      { Node: 'a', Address: '10.0.0.1', ID: 'id-a', Datacenter: 'dc1', TaggedAddresses: { lan: '10.0.0.1' }, Meta: {} },
      { Node: 'b', Address: '10.0.0.2', ID: 'id-b', Datacenter: 'dc1', TaggedAddresses: {}, Meta: { k: 'v' } },
    ]);
    assert.deepEqual(warnings, ['node "x": address "10.0.0.3\\nevil" is not an IP address or host name; left out']);
  });
});

describe('kvKey', () => {
  test('encodes each segment of the key and keeps its slashes', () => {
    const dependency = kvKey('/config/my app/a?b#c');
    assert.equal(dependency.id, 'kv.key(config/my app/a?b#c)');
    assert.equal(dependency.key, 'config/my app/a?b#c');
    assert.deepEqual(dependency.query, { path: '/v1/kv/config/my%20app/a%3Fb%23c', params: {} });
  });

  test('decodes the base64 value; 404 means the key does not exist', () => {
    const dependency = kvKey('config/x');
    assert.deepEqual(dependency.parse({ found: true, body: [{ Key: 'config/x', Value: base64('héllo\n') }] }, noWarnings), { exists: true, value: 'héllo\n' });
    assert.deepEqual(dependency.parse({ found: true, body: [{ Key: 'config/x', Value: null }] }, noWarnings), { exists: true, value: '' });
    assert.deepEqual(dependency.parse({ found: false, body: undefined }, noWarnings), { exists: false, value: '' });
  });

  test('refuses keys that are not keys', () => {
    for (const key of ['', '/', 'config/', 'a/../acl/tokens', './a', 'a\u0000b', 'a\uDC00']) {
      assert.throws(() => kvKey(key), KvPathError, JSON.stringify(key));
    }
  });
});

describe('kvList', () => {
  const body = [
    { Key: 'config/app/', Value: null },
    { Key: 'config/app/b', Value: base64('2') },
    { Key: 'config/app/a', Value: base64('1') },
    { Key: 'config/app/sub/', Value: null },
    { Key: 'config/app/sub/c', Value: base64('3') },
  ];

  test('reads the prefix as a folder, recursively', () => {
    for (const prefix of ['config/app', 'config/app/', '/config/app']) {
      const dependency = kvList(prefix);
      assert.equal(dependency.id, 'kv.list(config/app/)');
      assert.deepEqual(dependency.query, { path: '/v1/kv/config/app/', params: { recurse: '' } });
    }
    assert.deepEqual(kvList('').query.path, '/v1/kv/');
  });

  test('tree: every entry under the prefix with its relative key; ls: only direct children', () => {
    const tree = kvList('config/app').parse({ found: true, body }, noWarnings);
    assert.deepEqual(tree, [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
      { Key: 'sub/c', Value: '3' },
    ]);
    assert.deepEqual(directChildren(tree), [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
  });

  test('a missing prefix is an empty list', () => {
    assert.deepEqual(kvList('nothing').parse({ found: false, body: undefined }, noWarnings), []);
  });
});
