// The dependencies against a real Consul agent: the paths and params they build must be what
// Consul understands, and what it answers must parse into the documented shapes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsulAnswer, Dependency } from '../../src/dependency/dependency.ts';
import { catalogNodes } from '../../src/dependency/catalog-nodes.ts';
import { catalogServices } from '../../src/dependency/catalog-services.ts';
import { healthService } from '../../src/dependency/health-service.ts';
import { kvKey } from '../../src/dependency/kv-key.ts';
import { directChildren, kvList } from '../../src/dependency/kv-list.ts';
import { parseServiceQuery } from '../../src/dependency/service-query.ts';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';

let consul: ConsulAgent;

/** What the Consul client does, reduced to one plain GET. */
async function fetchAnswer(dependency: Dependency): Promise<ConsulAnswer> {
  const params = Object.entries(dependency.query.params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => (value === '' ? name : `${name}=${encodeURIComponent(value)}`));
  const response = await fetch(`${consul.url}${dependency.query.path}${params.length ? '?' + params.join('&') : ''}`);
  const text = await response.text();
  if (response.status === 404) return { found: false, body: undefined };
  assert.equal(response.status, 200, text);
  return { found: true, body: JSON.parse(text) };
}

async function read<T>(dependency: Dependency<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const value = dependency.parse(await fetchAnswer(dependency), (message) => warnings.push(message));
  return { value, warnings };
}

const register = (id: string, name: string, address: string, status: string, tags: string[] = []) =>
  consul.registerService({ ID: id, Name: name, Address: address, Port: 8080, Tags: tags, Check: { CheckID: `${id}-ttl`, TTL: '1h', Status: status } });

before(async () => {
  consul = await startConsul();
  await register('web-1', 'web', '', 'passing', ['blue']);
  await register('web-2', 'web', '10.0.0.6', 'warning', ['green']);
  await register('web-3', 'web', '1.2.3.4; evil', 'passing', ['blue']);
  await register('web-4', 'web', '10.0.0.8', 'passing');
  await consul.api('PUT', '/v1/agent/service/maintenance/web-4?enable=true&reason=test');
  await register('cas-1', 'CAS Client Service', '10.0.1.1', 'passing', ['urlprefix-/cas']);
  await consul.putKey('config/app/a', 'one');
  await consul.putKey('config/app/sub/c', 'three');
  await consul.putKey('config/application/x', 'not under config/app');
  await consul.putKey('config/my%20key', 'spaced');
});

after(async () => {
  await consul?.stop();
});

describe('dependencies against a real Consul agent', () => {
  test('service: passing instances only (Consul filters), address from the node, hostile one left out', async () => {
    const { value, warnings } = await read(healthService(parseServiceQuery('web')));
    assert.deepEqual(value.map((instance) => [instance.ID, instance.Address, instance.Port, instance.Status]), [['web-1', '127.0.0.1', 8080, 'passing']]);
    assert.equal(value[0]?.Datacenter, 'dc1');
    assert.deepEqual(warnings, ['service "web" instance "web-3": address "1.2.3.4; evil" is not an IP address or host name; left out']);
  });

  test('service|any: every state, maintenance recognised', async () => {
    const { value } = await read(healthService(parseServiceQuery('web|any')));
    assert.deepEqual(value.map((instance) => `${instance.ID}:${instance.Status}`), ['web-1:passing', 'web-2:warning', 'web-4:maintenance']);
  });

  test('service with a tag and a name with spaces', async () => {
    assert.deepEqual((await read(healthService(parseServiceQuery('green.web|passing,warning')))).value.map((instance) => instance.ID), ['web-2']);
    assert.deepEqual((await read(healthService(parseServiceQuery('CAS Client Service')))).value.map((instance) => instance.ID), ['cas-1']);
  });

  test('services and nodes', async () => {
    const services = (await read(catalogServices())).value;
    assert.deepEqual(services.map((service) => service.Name), ['CAS Client Service', 'consul', 'web']);
    assert.deepEqual(new Set(services.find((service) => service.Name === 'web')?.Tags), new Set(['blue', 'green']));
    const nodes = (await read(catalogNodes())).value;
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0]?.Address, '127.0.0.1');
  });

  test('key: a value, a key whose name needs encoding, a missing key', async () => {
    assert.deepEqual((await read(kvKey('config/app/a'))).value, { exists: true, value: 'one' });
    assert.deepEqual((await read(kvKey('config/my key'))).value, { exists: true, value: 'spaced' });
    assert.deepEqual((await read(kvKey('config/nothing'))).value, { exists: false, value: '' });
  });

  test('ls and tree: only under the folder, not its siblings with the same start', async () => {
    const tree = (await read(kvList('config/app'))).value;
    assert.deepEqual(tree, [
      { Key: 'a', Value: 'one' },
      { Key: 'sub/c', Value: 'three' },
    ]);
    assert.deepEqual(directChildren(tree), [{ Key: 'a', Value: 'one' }]);
    assert.deepEqual((await read(kvList('nothing/here'))).value, []);
  });
});
