// One log line for a change of a dependency's data: what came, went or changed, named by identity
// (instances by Address:Port, KV entries by key, nodes and services by name) — never by value, so
// a KV secret or a whole catalog answer does not end up in the log.

/** Entries named in one line at most; the rest are counted. Keeps a change of 1,000 instances one short line. */
const listedAtMost = 10;

/**
 * "health.service(web|passing): +10.0.0.5:8080, -10.0.0.4:8080", "kv.list(config/app/): ~a, +b",
 * "kv.key(config/x): changed". `before` undefined means this is the dependency's first data.
 */
export function describeChange(dependencyId: string, before: unknown, after: unknown): string {
  return `${dependencyId}: ${summary(before, after)}`;
}

function summary(before: unknown, after: unknown): string {
  if (isKeyValue(after) && (before === undefined || isKeyValue(before))) return keyChange(before, after);
  if (!Array.isArray(after) || (before !== undefined && !Array.isArray(before))) return before === undefined ? 'first data' : 'changed';
  if (before === undefined) return `first data, ${after.length} ${after.length === 1 ? 'entry' : 'entries'}`;
  const old = groupByIdentity(before);
  const now = groupByIdentity(after);
  if (old === undefined || now === undefined) return 'changed';
  const parts: string[] = [];
  for (const name of [...now.keys()].sort()) if (!old.has(name)) parts.push(`+${name}`);
  for (const name of [...old.keys()].sort()) if (!now.has(name)) parts.push(`-${name}`);
  for (const name of [...now.keys()].sort()) {
    const fields = changedFields(old.get(name), now.get(name)!);
    if (fields !== undefined) parts.push(fields.length > 0 && fields.length <= 3 ? `~${name} (${fields.join(', ')})` : `~${name}`);
  }
  if (parts.length === 0) return 'reordered';
  const listed = parts.slice(0, listedAtMost).join(', ');
  return parts.length > listedAtMost ? `${listed}, …and ${parts.length - listedAtMost} more` : listed;
}

interface KeyValue {
  exists: boolean;
  value: string;
}

function isKeyValue(data: unknown): data is KeyValue {
  return isRecord(data) && typeof data['exists'] === 'boolean' && typeof data['value'] === 'string';
}

function keyChange(before: KeyValue | undefined, after: KeyValue): string {
  if (before === undefined) return after.exists ? 'first data, present' : 'first data, absent';
  if (before.exists && !after.exists) return 'deleted';
  if (!before.exists && after.exists) return 'created';
  return 'changed';
}

/**
 * Entries by the name a person knows them by; several under one name (two registrations of one
 * address) stay together. Undefined when an entry has no such name: the change is then just "changed".
 */
function groupByIdentity(entries: unknown[]): Map<string, Record<string, unknown>[]> | undefined {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const entry of entries) {
    if (!isRecord(entry)) return undefined;
    const name = identityOf(entry);
    if (name === undefined) return undefined;
    const group = groups.get(name);
    if (group) group.push(entry);
    else groups.set(name, [entry]);
  }
  return groups;
}

function identityOf(entry: Record<string, unknown>): string | undefined {
  const { Address, Port, Key, Node, Name } = entry;
  if (typeof Address === 'string' && typeof Port === 'number') return Address.includes(':') ? `[${Address}]:${Port}` : `${Address}:${Port}`;
  if (typeof Key === 'string') return Key;
  if (typeof Node === 'string') return Node;
  if (typeof Name === 'string') return Name;
  return undefined;
}

/**
 * Undefined when nothing changed; otherwise the top-level fields that differ (names only), or an
 * empty list when the group itself grew or shrank.
 */
function changedFields(old: Record<string, unknown>[] | undefined, now: Record<string, unknown>[]): string[] | undefined {
  if (old === undefined || JSON.stringify(old) === JSON.stringify(now)) return undefined;
  if (old.length !== 1 || now.length !== 1) return [];
  const [a, b] = [old[0]!, now[0]!];
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  // A KV pair's one changing field is its value: "~key" says it all.
  fields.delete('Value');
  return [...fields].filter((field) => JSON.stringify(a[field]) !== JSON.stringify(b[field]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
