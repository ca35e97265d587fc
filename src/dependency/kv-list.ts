// `ls` and `tree`: the entries under a prefix, from one recursive read of /v1/kv/<prefix>/.
// Both helpers share this dependency (one watch per prefix); each shapes the list its own way.
import type { ConsulAnswer, Dependency } from './dependency.ts';
import { expectList, expectRecord, stringField } from './answer-shape.ts';
import { normaliseKvPath } from './kv-path.ts';
import { decodeKvValue } from './kv-value.ts';
import { compareText } from './text-order.ts';
import { encodeKeyPath } from './url-path.ts';

export interface KvPair {
  /** Relative to the prefix: "a/b" for "config/app/a/b" under "config/app". */
  Key: string;
  Value: string;
}

/** Throws KvPathError when `prefix` cannot be a prefix (see normaliseKvPath). */
export function kvList(prefix: string): Dependency<KvPair[]> & { readonly folder: string } {
  // "config/app" means the folder: without the slash Consul would also match "config/application".
  const trimmed = normaliseKvPath('prefix', prefix);
  const folder = trimmed === '' || trimmed.endsWith('/') ? trimmed : trimmed + '/';
  const id = `kv.list(${folder})`;
  return {
    id,
    folder,
    query: { path: `/v1/kv/${encodeKeyPath(folder)}`, params: { recurse: '' } },
    parse(answer: ConsulAnswer): KvPair[] {
      if (!answer.found) return [];
      const pairs: KvPair[] = [];
      for (const entry of expectList(answer.body, id)) {
        const record = expectRecord(entry, id, 'each entry');
        const key = stringField(record, 'Key', id);
        const relative = key.startsWith(folder) ? key.slice(folder.length) : '';
        // Folder markers ("a/") are structure, not entries.
        if (relative === '' || relative.endsWith('/')) continue;
        pairs.push({ Key: relative, Value: decodeKvValue(record['Value'], id) });
      }
      return pairs.sort((a, b) => compareText(a.Key, b.Key));
    },
  };
}

/** Only direct children, no nested entries: what `ls` shows (`tree` shows the whole list). */
export function directChildren(pairs: readonly KvPair[]): KvPair[] {
  return pairs.filter((pair) => !pair.Key.includes('/'));
}
