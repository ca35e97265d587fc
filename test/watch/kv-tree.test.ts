// A `tree` over 10,000 keys is one recursive query: one blocking loop, however many keys.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsulClient } from '../../src/consul/client.ts';
import { kvList, type KvPair } from '../../src/dependency/kv-list.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { Watcher } from '../../src/watch/watcher.ts';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { waitFor } from '../../harness/wait.ts';
import { countingReader } from './counting-reader.ts';

const keyCount = 10_000;
/** Consul takes at most 64 operations per transaction. */
const perTransaction = 64;

let agent: ConsulAgent;
let client: ConsulClient;
let watcher: Watcher | undefined;

before(async () => {
  agent = await startConsul();
  client = new ConsulClient({ addresses: [agent.address] });
  const transactions: unknown[][] = [];
  for (let start = 0; start < keyCount; start += perTransaction) {
    transactions.push(
      Array.from({ length: Math.min(perTransaction, keyCount - start) }, (_, offset) => ({
        KV: { Verb: 'set', Key: `big/key-${String(start + offset).padStart(5, '0')}`, Value: Buffer.from(`value ${start + offset}`).toString('base64') },
      })),
    );
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < transactions.length) await agent.api('PUT', '/v1/txn', transactions[next++]);
    }),
  );
});
after(async () => {
  watcher?.stop();
  await client?.close();
  await agent?.stop();
});

test('10,000 keys under one prefix: one blocking query, every key, and each change delivered', async () => {
  const reader = countingReader(client);
  watcher = new Watcher(reader, { waitMs: 30_000, maxStaleMs: 2_000, logger: silentLogger, maxBlockingQueries: 10 });
  const tree = kvList('big');
  const pairs = () => (watcher!.get(tree)?.value ?? []) as KvPair[];
  watcher.retain('template', [tree]);

  await waitFor('all keys', () => pairs().length === keyCount || undefined);
  assert.equal(pairs()[0]!.Key, 'key-00000');
  assert.equal(pairs().at(-1)!.Value, `value ${keyCount - 1}`);
  await waitFor('the blocking query', () => reader.blocking === 1 || undefined);
  assert.deepEqual(reader.blockingPaths(), ['/v1/kv/big/']);

  await agent.putKey('big/key-04242', 'changed');
  await waitFor('the changed key', () => pairs().find((pair) => pair.Key === 'key-04242')?.Value === 'changed' || undefined);
  await agent.deleteKey('big/key-00007');
  await waitFor('the deleted key gone', () => pairs().length === keyCount - 1 || undefined);
  assert.equal(pairs().some((pair) => pair.Key === 'key-00007'), false);
  assert.equal(reader.peakBlocking, 1);
});
