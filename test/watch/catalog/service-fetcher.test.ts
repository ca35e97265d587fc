// The fetcher's rounds against a real Consul agent, with each answer held until the test lets it
// through: which services a round asks for is then deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsulReader } from '../../../src/watch/blocking-query.ts';
import { ConsulClient } from '../../../src/consul/client.ts';
import { healthService } from '../../../src/dependency/health-service.ts';
import { parseServiceQuery } from '../../../src/dependency/service-query.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { ConcurrencyLimit } from '../../../src/watch/concurrency-limit.ts';
import { ServiceFetcher } from '../../../src/watch/catalog/service-fetcher.ts';
import { startConsul, type ConsulAgent } from '../../../harness/consul.ts';
import { waitFor } from '../../../harness/wait.ts';

/** The real client; while `holding`, each answer waits until `release` lets the held ones through. */
function gatedReader(client: ConsulClient) {
  let holding = false;
  let held: { path: string; let: () => void }[] = [];
  const reader: ConsulReader = {
    get: async (path, params, options) => {
      const answer = await client.get(path, params, options);
      if (holding) await new Promise<void>((resolve) => held.push({ path, let: resolve }));
      return answer;
    },
  };
  return {
    reader,
    hold: () => (holding = true),
    heldPaths: () => held.map((call) => call.path),
    release: () => {
      const calls = held;
      held = [];
      for (const call of calls) call.let();
    },
  };
}

test('in a background sweep, a changed service waits for no chunk of it', async (t) => {
  const agent: ConsulAgent = await startConsul();
  t.after(() => agent.stop());
  const client = new ConsulClient({ addresses: [agent.address] });
  t.after(() => client.close());
  const gate = gatedReader(client);
  let rounds = 0;
  const fetcher = new ServiceFetcher(gate.reader, {
    logger: silentLogger,
    fetchLimit: new ConcurrencyLimit(8),
    onApply: () => {},
    onSeen: () => {},
    onRoundDone: () => (rounds += 1),
  });
  t.after(() => fetcher.stop());
  const count = 60;
  for (let index = 0; index < count; index += 1) {
    fetcher.add(healthService(parseServiceQuery(`svc-${index}`)), `svc-${index}`);
  }
  fetcher.start();
  await waitFor('the first load', () => rounds >= 1 || undefined);

  gate.hold();
  fetcher.requestSweep('background');
  await waitFor('the first chunk held', () => gate.heldPaths().length === 8 || undefined);
  fetcher.markServices(new Map([['svc-55', undefined]]));
  gate.release();
  await waitFor('the next round held', () => gate.heldPaths().length > 0 || undefined);
  // The change goes with one service of the sweep (so that changes never stall it), not a chunk.
  await waitFor('both fetches of the round held', () => gate.heldPaths().length === 2 || undefined);
  assert.deepEqual(gate.heldPaths().sort(), ['/v1/health/service/svc-55', '/v1/health/service/svc-8']);

  // With nothing marked, the sweep goes on, a chunk a round, until every service is fetched again.
  let fetched = 8 + 2;
  while (fetched < count + 1) {
    gate.release();
    await waitFor('the next chunk held', () => gate.heldPaths().length > 0 || undefined);
    fetched += gate.heldPaths().length;
  }
  gate.release();
  assert.equal(fetched, count + 1);
});
