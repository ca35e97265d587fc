// `byMeta`: service instances grouped by the values of metadata keys, as consul-template groups
// them: `byMeta "version,env"` makes groups named `2_prod`; a key an instance lacks reads as
// `_no_version_`; `weight|int` reads the value as a whole number padded to five digits (a missing
// one is 0), so that names sort by number; anything but letters, digits, `_` and `-` becomes `_`.
import { compareText } from '../dependency/text-order.ts';
import type { TagGroup } from './group-by-tag.ts';

export class MetaValueError extends Error {}

/** Groups sorted by name; within a group, instances keep their order. */
export function groupByMeta<T extends { ServiceMeta: Readonly<Record<string, string>> }>(instances: readonly T[], keys: string): TagGroup<T>[] {
  const wanted = keys.split(',');
  const groups = new Map<string, T[]>();
  for (const instance of instances) {
    const name = wanted.map((key) => groupPart(instance.ServiceMeta, key).replace(/[^a-zA-Z0-9_-]/g, '_')).join('_');
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [instance]);
    else group.push(instance);
  }
  return [...groups.entries()].sort(([a], [b]) => compareText(a, b)).map(([Name, Services]) => ({ Name, Services }));
}

function groupPart(meta: Readonly<Record<string, string>>, key: string): string {
  const asNumber = key.endsWith('|int');
  const name = asNumber ? key.slice(0, -'|int'.length) : key;
  const value = Object.hasOwn(meta, name) ? meta[name]! : '';
  if (!asNumber) return value === '' ? `_no_${name}_` : value;
  if (value === '') return '00000';
  if (!/^[+-]?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new MetaValueError(`${name} is ${JSON.stringify(value)}, not a whole number`);
  }
  // Go's %05d: five characters, the sign included.
  const number = Number(value);
  return number < 0 ? `-${String(-number).padStart(4, '0')}` : String(number).padStart(5, '0');
}
