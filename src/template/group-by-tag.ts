// `byTag`: service instances grouped under each of their tags, for one upstream per tag.
import { compareText } from '../dependency/text-order.ts';

export interface TagGroup<T> {
  Name: string;
  Services: T[];
}

/** Groups sorted by tag; within a group, instances keep their order (an instance appears once per tag). */
export function groupByTag<T extends { Tags: readonly string[] }>(instances: readonly T[]): TagGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const instance of instances) {
    for (const tag of new Set(instance.Tags)) {
      const group = groups.get(tag);
      if (group === undefined) groups.set(tag, [instance]);
      else group.push(instance);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([Name, Services]) => ({ Name, Services }));
}
