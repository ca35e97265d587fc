// The diffs that turn two answers of the catalog-wide queries (dependency/catalog-changes.ts)
// into "these services, these nodes changed". A check's ModifyIndex moves on every write to it,
// so comparing rows finds every changed, added or removed check.
import type { CatalogService } from '../../dependency/catalog-services.ts';
import { tagSetKey, type CheckRow, type NodeRow, type ServiceSummaryRow } from '../../dependency/catalog-changes.ts';

export interface CatalogChanges {
  /**
   * Services whose instances or checks changed, each with the index of its newest write seen, or
   * undefined when unknown (a removed check carries no index).
   */
  services: Map<string, number | undefined>;
  /** Nodes whose own record or node-level checks changed: every service on them may have. */
  nodes: Set<string>;
  /** Raft indexes of the writes seen (the ModifyIndex of each changed or added row). */
  writes: Set<number>;
}

/** Services whose instance count or tags differ between two summaries, or that are in only one. */
export function diffServiceSummaries(before: readonly ServiceSummaryRow[], after: readonly ServiceSummaryRow[]): Set<string> {
  return changedKeys(before, after);
}

export function diffChecks(before: readonly CheckRow[], after: readonly CheckRow[]): CatalogChanges {
  const changes = emptyChanges();
  const mark = (row: CheckRow, index: number | undefined) => {
    if (row[2] === '') return void changes.nodes.add(row[0]);
    const known = changes.services.get(row[2]);
    const unknown = index === undefined || (changes.services.has(row[2]) && known === undefined);
    changes.services.set(row[2], unknown ? undefined : Math.max(known ?? 0, index));
  };
  const compare = (old: CheckRow | undefined, row: CheckRow) => {
    if (old !== undefined && old[3] === row[3] && old[2] === row[2]) return;
    mark(row, row[3]);
    // A check moved to another service (re-registered under the same id): the old one changed too.
    if (old !== undefined && old[2] !== row[2]) mark(old, row[3]);
    changes.writes.add(row[3]);
  };
  // Consul lists checks in a stable order, and one write changes a few rows: the rows that still
  // line up at the start and at the end are compared in place (10,000 checks: well under a
  // millisecond), and only those in between go through a map by key.
  let start = 0;
  while (start < before.length && start < after.length && sameCheck(before[start]!, after[start]!)) {
    compare(before[start], after[start]!);
    start += 1;
  }
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && sameCheck(before[endBefore - 1]!, after[endAfter - 1]!)) {
    endBefore -= 1;
    endAfter -= 1;
    compare(before[endBefore], after[endAfter]!);
  }
  const previous = new Map<string, CheckRow>();
  for (let i = start; i < endBefore; i++) previous.set(checkKey(before[i]!), before[i]!);
  for (let i = start; i < endAfter; i++) {
    const row = after[i]!;
    const key = checkKey(row);
    compare(previous.get(key), row);
    previous.delete(key);
  }
  for (const removed of previous.values()) mark(removed, undefined);
  return changes;
}

function sameCheck(a: CheckRow, b: CheckRow): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

export function diffNodes(before: readonly NodeRow[], after: readonly NodeRow[]): CatalogChanges {
  const changes = emptyChanges();
  const previous = new Map(before);
  for (const [node, index] of after) {
    const old = previous.get(node);
    previous.delete(node);
    if (old === index) continue;
    changes.nodes.add(node);
    changes.writes.add(index);
  }
  for (const node of previous.keys()) changes.nodes.add(node);
  return changes;
}

/** Services that appeared, disappeared or whose set of tags changed. */
export function diffServiceNames(before: readonly CatalogService[], after: readonly CatalogService[]): Set<string> {
  const keyed = (services: readonly CatalogService[]) => services.map((service) => [service.Name, tagSetKey(service.Tags)] as const);
  return changedKeys(keyed(before), keyed(after));
}

/** Keys whose value differs between two lists of (key, value), or that are in only one. */
function changedKeys(before: Iterable<readonly [string, string]>, after: Iterable<readonly [string, string]>): Set<string> {
  const changed = new Set<string>();
  const previous = new Map(before);
  for (const [key, value] of after) {
    if (previous.get(key) !== value) changed.add(key);
    previous.delete(key);
  }
  for (const key of previous.keys()) changed.add(key);
  return changed;
}

/** Node name → the services with a check on it. */
export function servicesByNode(checks: readonly CheckRow[]): Map<string, Set<string>> {
  const byNode = new Map<string, Set<string>>();
  for (const [node, , service] of checks) {
    if (service === '') continue;
    let services = byNode.get(node);
    if (services === undefined) byNode.set(node, (services = new Set()));
    services.add(service);
  }
  return byNode;
}

/** The node names in a /v1/health/service answer (before any parsing drops an entry). */
export function nodesInAnswer(body: unknown): Set<string> {
  const nodes = new Set<string>();
  if (!Array.isArray(body)) return nodes;
  for (const entry of body) {
    const node = (entry as { Node?: { Node?: unknown } } | null)?.Node?.Node;
    if (typeof node === 'string') nodes.add(node);
  }
  return nodes;
}

function checkKey(row: CheckRow): string {
  return `${row[0]}\u0000${row[1]}`;
}

function emptyChanges(): CatalogChanges {
  return { services: new Map(), nodes: new Set(), writes: new Set() };
}
