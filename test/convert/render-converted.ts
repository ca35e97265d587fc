// Test support: convert a consul-template source and render the result through drcon's real
// template layer, with data keyed by dependency id (as the watcher would hold it).
import assert from 'node:assert/strict';
import { convertTemplate } from '../../src/convert/convert.ts';
import type { DataSource } from '../../src/template/render-context.ts';
import { Template } from '../../src/template/template.ts';

export function dataSource(values: Record<string, unknown>): DataSource {
  const byId = new Map(Object.entries(values));
  return { get: (dependency) => (byId.has(dependency.id) ? { value: byId.get(dependency.id) } : undefined) };
}

export const env = { HOME: '/home/drcon', REGION: 'eu-west' };

/** The converted template (which must convert cleanly) rendered with `data`. */
export function renderConverted(goSource: string, data: Record<string, unknown>): string {
  const { output, problems } = convertTemplate(goSource);
  assert.deepEqual(problems, [], `unexpected problems converting ${JSON.stringify(goSource)}`);
  const result = Template.fromSource(output, 'converted.hbs').render(dataSource(data), {}, { env });
  assert.deepEqual(result.missing.map((dependency) => dependency.id), [], 'the test data lacks a dependency');
  return result.output;
}

export const instance = (id: string, address: string, port: number, extra: Record<string, unknown> = {}) => ({
  ID: id,
  Name: 'simple',
  Address: address,
  Port: port,
  Tags: [],
  ServiceMeta: {},
  Node: `node-${id}`,
  NodeAddress: address,
  NodeID: `id-${id}`,
  NodeMeta: {},
  Datacenter: 'dc1',
  Status: 'passing',
  Checks: [],
  ...extra,
});
