import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeChange } from '../../src/status/describe-change.ts';

const instance = (address: string, port: number, extra: Record<string, unknown> = {}) => ({
  ID: `web-${address}-${port}`, Name: 'web', Address: address, Port: port, Tags: ['a'], Status: 'passing', ...extra,
});

describe('describeChange', () => {
  it('names service instances added and removed by Address:Port', () => {
    const line = describeChange('health.service(simple|passing)', [instance('10.0.0.4', 8080)], [instance('10.0.0.5', 8080)]);
    assert.equal(line, 'health.service(simple|passing): +10.0.0.5:8080, -10.0.0.4:8080');
  });

  it('names an instance that changed, with the fields that changed but not their values', () => {
    const line = describeChange('health.service(web|any)', [instance('10.0.0.4', 80)], [instance('10.0.0.4', 80, { Tags: ['b'], Status: 'critical' })]);
    assert.equal(line, 'health.service(web|any): ~10.0.0.4:80 (Tags, Status)');
    assert.doesNotMatch(line, /critical/);
  });

  it('brackets IPv6 addresses', () => {
    assert.equal(describeChange('d', [], [instance('fd00::1', 443)]), 'd: +[fd00::1]:443');
  });

  it('names KV entries by key and never prints a value', () => {
    const before = [{ Key: 'a', Value: 'old-secret' }, { Key: 'gone', Value: 'x' }];
    const after = [{ Key: 'a', Value: 'new-secret' }, { Key: 'b', Value: 'another-secret' }];
    const line = describeChange('kv.list(config/app/)', before, after);
    assert.equal(line, 'kv.list(config/app/): +b, -gone, ~a');
    assert.doesNotMatch(line, /secret/);
  });

  it('says what happened to a single key', () => {
    const absent = { exists: false, value: '' };
    const one = { exists: true, value: 'v1' };
    const two = { exists: true, value: 'v2' };
    assert.equal(describeChange('kv.key(x)', absent, one), 'kv.key(x): created');
    assert.equal(describeChange('kv.key(x)', one, two), 'kv.key(x): changed');
    assert.equal(describeChange('kv.key(x)', two, absent), 'kv.key(x): deleted');
    assert.equal(describeChange('kv.key(x)', undefined, two), 'kv.key(x): first data, present');
  });

  it('names nodes and catalog services by name', () => {
    assert.equal(describeChange('catalog.nodes()', [{ Node: 'n1', Address: '10.0.0.1' }], [{ Node: 'n2', Address: '10.0.0.2' }]), 'catalog.nodes(): +n2, -n1');
    assert.equal(describeChange('catalog.services()', [{ Name: 'web', Tags: [] }], [{ Name: 'web', Tags: ['v2'] }]), 'catalog.services(): ~web (Tags)');
  });

  it('counts first data instead of listing it', () => {
    assert.equal(describeChange('d', undefined, [instance('10.0.0.1', 1), instance('10.0.0.2', 2)]), 'd: first data, 2 entries');
  });

  it('keeps a large change to one short line', () => {
    const many = Array.from({ length: 1000 }, (_, i) => instance(`10.1.${Math.floor(i / 250)}.${i % 250}`, 80));
    const line = describeChange('d', [], many);
    assert.match(line, /…and 990 more$/);
    assert.equal(line.split(', +').length, 10);
  });

  it('falls back to "changed" for data it cannot name', () => {
    assert.equal(describeChange('d', [{ x: 1 }], [{ x: 2 }]), 'd: changed');
    assert.equal(describeChange('d', 'a', 'b'), 'd: changed');
    assert.equal(describeChange('d', [instance('10.0.0.1', 1), instance('10.0.0.2', 2)], [instance('10.0.0.2', 2), instance('10.0.0.1', 1)]), 'd: reordered');
  });
});
