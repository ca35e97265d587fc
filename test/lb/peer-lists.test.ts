// What a render's livePeers calls become for Nginx: the peers drcon_live.lua may connect to, and
// the document it reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peerDocument, peerLists } from '../../src/lb/peer-lists.ts';

const instance = (id: string, address: string, port: unknown, more: Record<string, unknown> = {}) => ({ ID: id, Name: 'web', Address: address, Port: port, Status: 'passing', ...more });

test('peers: IP addresses with their port and the weight of their state', () => {
  const leftOut: string[] = [];
  const lists = peerLists([{
    upstream: 'web', service: 'web',
    instances: [
      instance('a', '10.0.0.1', 8080),
      instance('b', '::1', 8081, { Weights: { Passing: 5, Warning: 1 } }),
      instance('c', '10.0.0.3', 8082, { Status: 'warning', Weights: { Passing: 5, Warning: 2 } }),
    ],
  }], (message) => leftOut.push(message));
  assert.deepEqual(leftOut, []);
  assert.deepEqual(lists, [{
    upstream: 'web', service: 'web',
    peers: [{ address: '10.0.0.1', port: 8080, weight: 1 }, { address: '::1', port: 8081, weight: 5 }, { address: '10.0.0.3', port: 8082, weight: 2 }],
  }]);
});

test('an instance the balancer cannot connect to is left out, named; weight 0 is silently no traffic', () => {
  const leftOut: string[] = [];
  const lists = peerLists([{
    upstream: 'web_0', service: 'web',
    instances: [
      instance('named', 'backend.internal', 80),
      instance('zero-port', '10.0.0.1', 0),
      instance('zoned', 'fe80::1%eth0', 80),
      instance('heavy', '10.0.0.1', 80, { Weights: { Passing: 70_000, Warning: 1 } }),
      instance('drained', '10.0.0.1', 80, { Weights: { Passing: 0, Warning: 0 } }),
      'not an instance',
      instance('ok', '10.0.0.9', 80),
    ],
  }], (message) => leftOut.push(message));
  assert.deepEqual(lists[0]?.peers, [{ address: '10.0.0.9', port: 80, weight: 1 }]);
  assert.deepEqual(leftOut, [
    'upstream web_0: service "web" instance "named": address "backend.internal" is not an IP address (live upstreams do not resolve host names); left out',
    'upstream web_0: service "web" instance "zero-port": port 0 is not a port to connect to (1-65535); left out',
    'upstream web_0: service "web" instance "zoned": address "fe80::1%eth0" has an IPv6 zone, which Nginx cannot connect to; left out',
    'upstream web_0: service "web" instance "heavy": weight 70000 is above 65535; left out',
    'upstream web_0: service "web" instance "?": not an instance (from service); left out',
  ]);
});

test('the document: a generation, then each upstream (service percent-encoded) and its peers', () => {
  const document = peerDocument(42, [
    { upstream: 'web', service: 'CAS Client; return 200', peers: [{ address: '10.0.0.1', port: 80, weight: 3 }] },
    { upstream: 'empty', service: 'empty', peers: [] },
  ]);
  assert.equal(document, 'generation 42\nupstream web CAS%20Client%3B%20return%20200\npeer 10.0.0.1 80 3\nupstream empty empty\n');
});

test('the down and backup tags of the shipped template: down gets nothing, backups only while no other peer is listed', () => {
  const tagged = (id: string, port: number, tags: string[]) => instance(id, '10.0.0.1', port, { Tags: tags });
  const [withPrimary, backupsOnly] = peerLists([
    { upstream: 'web', service: 'web', instances: [tagged('main', 80, []), tagged('spare', 81, ['backup']), tagged('off', 82, ['down'])] },
    { upstream: 'api', service: 'api', instances: [tagged('spare', 81, ['backup']), tagged('off', 82, ['down', 'backup'])] },
  ], () => assert.fail('nothing is left out with a warning'));
  assert.deepEqual(withPrimary?.peers, [{ address: '10.0.0.1', port: 80, weight: 1 }]);
  assert.deepEqual(backupsOnly?.peers, [{ address: '10.0.0.1', port: 81, weight: 1 }]);
});
