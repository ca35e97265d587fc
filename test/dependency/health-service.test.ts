import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateStatus, healthService, type ServiceInstance } from '../../src/dependency/health-service.ts';
import { parseServiceQuery } from '../../src/dependency/service-query.ts';

/** One entry of /v1/health/service/<name>, as Consul 1.8 answers it. */
function entry(options: {
  id: string;
  node?: string;
  nodeAddress?: string;
  address?: string;
  port?: unknown;
  tags?: string[] | null;
  checks?: { CheckID: string; Status: string }[];
  service?: Record<string, unknown>;
  nodeTaggedAddresses?: Record<string, string>;
}) {
  const node = options.node ?? 'node-a';
  return {
    Node: {
      ID: `${node}-id`,
      Node: node,
      Address: options.nodeAddress ?? '10.0.0.1',
      Datacenter: 'dc1',
      TaggedAddresses: options.nodeTaggedAddresses ?? { lan: '10.0.0.1' },
      Meta: { rack: 'r1' },
    },
    Service: {
      ID: options.id,
      Service: 'web',
      Tags: options.tags === undefined ? ['blue'] : options.tags,
      Address: options.address ?? '',
      Meta: { version: '2' },
      Port: options.port ?? 8080,
      Weights: { Passing: 3, Warning: 1 },
      ...options.service,
    },
    Checks: (options.checks ?? [{ CheckID: 'serfHealth', Status: 'passing' }]).map((check) => ({
      Node: node,
      Name: check.CheckID,
      Notes: '',
      Output: '',
      ServiceID: '',
      ServiceName: '',
      ...check,
    })),
  };
}

function parse(query: string, body: unknown[]): { instances: ServiceInstance[]; warnings: string[] } {
  const warnings: string[] = [];
  const instances = healthService(parseServiceQuery(query)).parse({ found: true, body }, (message) => warnings.push(message));
  return { instances, warnings };
}

describe('healthService', () => {
  test('asks Consul with an encoded name, tag and dc; lets Consul filter when only passing is wanted', () => {
    const passing = healthService(parseServiceQuery('blue.CAS Client/Service@dc1'));
    assert.equal(passing.id, 'health.service(blue.CAS Client/Service@dc1|passing)');
    assert.deepEqual(passing.query, {
      path: '/v1/health/service/CAS%20Client%2FService',
      params: { tag: 'blue', dc: 'dc1', passing: 'true' },
    });
    const any = healthService(parseServiceQuery('web|passing,warning'));
    assert.equal(any.id, 'health.service(web|passing,warning)');
    assert.deepEqual(any.query.params, { tag: undefined, dc: undefined, passing: undefined });
  });

  test('shapes an instance with consul-template field names', () => {
    const { instances, warnings } = parse('web', [entry({ id: 'web-1', address: '10.1.1.1' })]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(instances, [
      {
        ID: 'web-1',
        Name: 'web',
        Address: '10.1.1.1',
        Port: 8080,
        Tags: ['blue'],
        ServiceMeta: { version: '2' },
        Weights: { Passing: 3, Warning: 1 },
        ServiceTaggedAddresses: {},
        Node: 'node-a',
        NodeAddress: '10.0.0.1',
        NodeTaggedAddresses: { lan: '10.0.0.1' },
        NodeID: 'node-a-id',
        NodeMeta: { rack: 'r1' },
        Datacenter: 'dc1',
        Status: 'passing',
        Checks: [
          { Node: 'node-a', CheckID: 'serfHealth', Name: 'serfHealth', Status: 'passing', Notes: '', Output: '', ServiceID: '', ServiceName: '' },
        ],
      },
    ]);
  });

  test('weights and tagged addresses of the service and its node', () => {
    const service = {
      Weights: { Passing: 3, Warning: 0 },
      TaggedAddresses: { lan: { Address: '10.1.1.1', Port: 8080 }, wan: { Address: 'web.example.com', Port: 443 } },
    };
    const { instances, warnings } = parse('web', [entry({ id: 'web-1', service, nodeTaggedAddresses: { lan: '10.0.0.1', wan: '203.0.113.9' } })]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(instances[0]?.Weights, { Passing: 3, Warning: 0 });
    assert.deepEqual(instances[0]?.ServiceTaggedAddresses, service.TaggedAddresses);
    assert.deepEqual(instances[0]?.NodeTaggedAddresses, { lan: '10.0.0.1', wan: '203.0.113.9' });
  });

  test('leaves out an instance whose weights or tagged addresses could not be written to Nginx', () => {
    const { instances, warnings } = parse('web', [
      entry({ id: 'zero', service: { Weights: { Passing: 0, Warning: 1 } } }),
      entry({ id: 'half', service: { Weights: { Passing: 1.5, Warning: 1 } } }),
      entry({ id: 'wan', service: { TaggedAddresses: { wan: { Address: '1.2.3.4; evil', Port: 80 } } } }),
      entry({ id: 'port', service: { TaggedAddresses: { wan: { Address: '1.2.3.4', Port: 70000 } } } }),
      entry({ id: 'node', nodeTaggedAddresses: { wan: 'x y' } }),
      entry({ id: 'empty', nodeTaggedAddresses: { wan: '' }, service: { TaggedAddresses: { lan: { Address: '', Port: 0 } } } }),
    ]);
    assert.deepEqual(instances.map((instance) => instance.ID), ['empty']);
    assert.deepEqual(warnings, [
      'service "web" instance "zero": weights {"Passing":0,"Warning":1} are not whole numbers (Passing at least 1, Warning at least 0); left out',
      'service "web" instance "half": weights {"Passing":1.5,"Warning":1} are not whole numbers (Passing at least 1, Warning at least 0); left out',
      'service "web" instance "wan": tagged address "wan" "1.2.3.4; evil" is not an IP address or host name; left out',
      'service "web" instance "port": tagged address "wan" port 70000 is not a port number (0-65535); left out',
      'service "web" instance "node": node tagged address "wan" "x y" is not an IP address or host name; left out',
    ]);
  });

  test('weights Consul did not send are 1', () => {
    const body = [entry({ id: 'web-1' })] as { Service: Record<string, unknown> }[];
    delete body[0]!.Service['Weights'];
    const { instances } = parse('web', body);
    assert.deepEqual(instances.map((instance) => instance.Weights), [{ Passing: 1, Warning: 1 }]);
  });

  test("falls back to the node's address when the service registered none", () => {
    const { instances } = parse('web', [entry({ id: 'web-1', address: '', nodeAddress: '10.9.9.9' })]);
    assert.equal(instances[0]?.Address, '10.9.9.9');
  });

  test('sorts by node, then by instance ID', () => {
    const { instances } = parse('web', [
      entry({ id: 'web-2', node: 'node-b' }),
      entry({ id: 'web-9', node: 'node-a' }),
      entry({ id: 'web-10', node: 'node-a' }),
    ]);
    assert.deepEqual(
      instances.map((instance) => `${instance.Node}/${instance.ID}`),
      ['node-a/web-10', 'node-a/web-9', 'node-b/web-2'],
    );
  });

  test('keeps only the wanted states, by the worst check of each instance', () => {
    const body = [
      entry({ id: 'ok', checks: [{ CheckID: 'a', Status: 'passing' }] }),
      entry({ id: 'warn', checks: [{ CheckID: 'a', Status: 'passing' }, { CheckID: 'b', Status: 'warning' }] }),
      entry({ id: 'down', checks: [{ CheckID: 'a', Status: 'warning' }, { CheckID: 'b', Status: 'critical' }] }),
      entry({ id: 'maint', checks: [{ CheckID: '_service_maintenance:maint', Status: 'critical' }] }),
      entry({ id: 'none', checks: [] }),
    ];
    const ids = (query: string) => parse(query, body).instances.map((instance) => `${instance.ID}:${instance.Status}`);
    assert.deepEqual(ids('web'), ['none:passing', 'ok:passing']);
    assert.deepEqual(ids('web|passing,warning'), ['none:passing', 'ok:passing', 'warn:warning']);
    assert.deepEqual(ids('web|critical'), ['down:critical']);
    assert.deepEqual(ids('web|maintenance'), ['maint:maintenance']);
    assert.deepEqual(ids('web|any'), ['down:critical', 'maint:maintenance', 'none:passing', 'ok:passing', 'warn:warning']);
  });

  test('aggregateStatus: maintenance wins, an unknown state counts as critical', () => {
    assert.equal(aggregateStatus([]), 'passing');
    assert.equal(aggregateStatus([{ CheckID: '_node_maintenance', Status: 'critical' }, { CheckID: 'x', Status: 'passing' }]), 'maintenance');
    assert.equal(aggregateStatus([{ CheckID: '_node_maintenance', Status: 'passing' }]), 'passing');
    assert.equal(aggregateStatus([{ CheckID: 'x', Status: 'bogus' }]), 'critical');
  });

  test('leaves out an instance whose address or port is unsafe, naming it in a warning', () => {
    const { instances, warnings } = parse('web', [
      entry({ id: 'web-1', address: '10.0.0.5' }),
      entry({ id: 'web-3', address: '1.2.3.4; evil' }),
      entry({ id: 'web-4', address: 'host}name' }),
      entry({ id: 'web-5', port: 70000 }),
      entry({ id: 'web-6', port: '80' }),
      entry({ id: 'web-7', address: '', nodeAddress: '' }),
      entry({ id: 'web-8', address: 'db-1.internal.example', port: 0 }),
      entry({ id: 'web-9', address: 'fe80::1' }),
    ]);
    assert.deepEqual(instances.map((instance) => instance.ID), ['web-1', 'web-8', 'web-9']);
    assert.deepEqual(warnings, [
      'service "web" instance "web-3": address "1.2.3.4; evil" is not an IP address or host name; left out',
      'service "web" instance "web-4": address "host}name" is not an IP address or host name; left out',
      'service "web" instance "web-5": port 70000 is not a port number (0-65535); left out',
      'service "web" instance "web-6": port "80" is not a port number (0-65535); left out',
      'service "web" instance "web-7": address "" is not an IP address or host name; left out',
    ]);
  });

  test('keeps hostile tags and meta as data (escaping at output deals with them)', () => {
    const { instances, warnings } = parse('web', [entry({ id: 'web-1', tags: ['a;b', '}{', '$x #y'] })]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(instances[0]?.Tags, ['a;b', '}{', '$x #y']);
  });

  test('reads null tags as none and a 404 as no instances', () => {
    assert.deepEqual(parse('web', [entry({ id: 'web-1', tags: null })]).instances[0]?.Tags, []);
    assert.deepEqual(healthService(parseServiceQuery('web')).parse({ found: false, body: undefined }, () => {}), []);
  });

  test('rejects an answer that is not a list of entries, naming the query', () => {
    const dependency = healthService(parseServiceQuery('web'));
    assert.throws(() => dependency.parse({ found: true, body: { error: 'x' } }, () => {}), /^Error: health\.service\(web\|passing\): unexpected answer from Consul: expected a JSON list$/);
    assert.throws(() => dependency.parse({ found: true, body: [{ Node: {} }] }, () => {}), /expected Service to be a JSON object/);
  });
});
