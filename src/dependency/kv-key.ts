// `key` / `keyOrDefault`: one KV entry, from /v1/kv/<key>. A missing key is data too (404).
import type { ConsulAnswer, Dependency } from './dependency.ts';
import { expectList, expectRecord } from './answer-shape.ts';
import { normaliseKvPath } from './kv-path.ts';
import { decodeKvValue } from './kv-value.ts';
import { encodeKeyPath } from './url-path.ts';

export interface KvKeyValue {
  exists: boolean;
  /** The value as UTF-8 text; "" when the key does not exist or holds no value. */
  value: string;
}

/** Throws KvPathError when `key` cannot be a key (see normaliseKvPath). */
export function kvKey(key: string): Dependency<KvKeyValue> & { readonly key: string } {
  const normalised = normaliseKvPath('key', key);
  const id = `kv.key(${normalised})`;
  return {
    id,
    key: normalised,
    query: { path: `/v1/kv/${encodeKeyPath(normalised)}`, params: {} },
    parse(answer: ConsulAnswer): KvKeyValue {
      if (!answer.found) return { exists: false, value: '' };
      const [entry] = expectList(answer.body, id);
      if (entry === undefined) return { exists: false, value: '' };
      return { exists: true, value: decodeKvValue(expectRecord(entry, id, 'the entry')['Value'], id) };
    },
  };
}
