// The catalog-wide queries the change detector of the watcher (watch/catalog/) blocks on, each
// shaped into compact rows: every check, the checks in one bad state, every node, and Consul's
// summary of every service. Templates never ask for these; their ids say "catalog-changes".
import type { ConsulAnswer, Dependency } from './dependency.ts';
import { expectList, expectRecord, stringField, stringListField, type JsonRecord } from './answer-shape.ts';

/** One health check: node, check id, service name ("" for a node check), ModifyIndex. */
export type CheckRow = readonly [node: string, checkId: string, service: string, modifyIndex: number];
/** One node: name and ModifyIndex (moves when its address or metadata change). */
export type NodeRow = readonly [node: string, modifyIndex: number];

/** Every check in the datacenter: its index moves on any check write. */
export function allChecks(dc: string | undefined): Dependency<CheckRow[]> {
  const id = `catalog-changes.checks(${dc === undefined ? '' : '@' + dc})`;
  return {
    id,
    query: { path: '/v1/health/state/any', params: { dc } },
    parse: (answer: ConsulAnswer) =>
      rows(answer, id, (record) => [
        stringField(record, 'Node', id),
        stringField(record, 'CheckID', id),
        stringField(record, 'ServiceName', id),
        modifyIndex(record, id),
      ]),
  };
}

/**
 * The checks in one state that is not passing ("critical", "warning"): a small answer that Consul
 * reads from its status index (far cheaper than a filter over all checks; figures in the README's
 * Scale section), that wakes on every check write, and that shows a check turning bad or back at once,
 * long before the answer listing every check arrives.
 */
export function checksInState(dc: string | undefined, state: 'critical' | 'warning'): Dependency<CheckRow[]> {
  const checks = allChecks(dc);
  return {
    ...checks,
    id: `catalog-changes.${state}-checks(${dc === undefined ? '' : '@' + dc})`,
    query: { path: `/v1/health/state/${state}`, params: { dc } },
  };
}

/** One service as Consul's web UI lists it: its name, and its instance count and tags as one key. */
export type ServiceSummaryRow = readonly [service: string, countAndTags: string];

/**
 * Every service with its number of instances and its tags, in one answer: the list Consul's own
 * web UI shows (/v1/internal/ui/services, an internal endpoint). It names the service an instance
 * without checks joined or left, which no check shows, in one request where fetching every
 * service takes one per service.
 */
export function serviceSummaries(dc: string | undefined): Dependency<ServiceSummaryRow[]> {
  const id = `catalog-changes.service-summaries(${dc === undefined ? '' : '@' + dc})`;
  return {
    id,
    query: { path: '/v1/internal/ui/services', params: { dc } },
    parse: (answer: ConsulAnswer) =>
      rows(answer, id, (record) => {
        const count = record['InstanceCount'];
        if (typeof count !== 'number') throw new Error(`${id}: unexpected answer from Consul: expected field InstanceCount to be a number`);
        return [stringField(record, 'Name', id), `${count}\u0001${tagSetKey(stringListField(record, 'Tags', id))}`];
      }),
  };
}

/** Every node in the datacenter: its index moves on any node write. */
export function allNodes(dc: string | undefined): Dependency<NodeRow[]> {
  const id = `catalog-changes.nodes(${dc === undefined ? '' : '@' + dc})`;
  return {
    id,
    query: { path: '/v1/catalog/nodes', params: { dc } },
    parse: (answer: ConsulAnswer) => rows(answer, id, (record) => [stringField(record, 'Node', id), modifyIndex(record, id)]),
  };
}

/** Consul lists a service's tags in no particular order, so only the set counts. */
export function tagSetKey(tags: readonly string[]): string {
  return [...tags].sort().join('\u0000');
}

function rows<T>(answer: ConsulAnswer, id: string, read: (record: JsonRecord) => T): T[] {
  if (!answer.found) return [];
  return expectList(answer.body, id).map((entry) => read(expectRecord(entry, id, 'each entry')));
}

function modifyIndex(record: JsonRecord, id: string): number {
  const value = record['ModifyIndex'];
  if (typeof value !== 'number') throw new Error(`${id}: unexpected answer from Consul: expected field ModifyIndex to be a number`);
  return value;
}
