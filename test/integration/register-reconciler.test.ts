// drcon register's reconciler against a real Consul dev agent, with the containers' services
// given by hand (no engine needed here): what it reads and writes for one change, and that it
// notices another writer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { waitFor } from '../../harness/wait.ts';
import { ConsulClient } from '../../src/consul/client.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { AgentServices } from '../../src/register/agent-services.ts';
import { ownerKey } from '../../src/register/owner-meta.ts';
import type { DesiredService } from '../../src/register/plan.ts';
import { Reconciler } from '../../src/register/reconciler.ts';

const owner = 'reconciler-test-host';
let consul: ConsulAgent;
let client: ConsulClient;
const stop = new AbortController();
let running: Promise<void>;
let desired = new Map<string, DesiredService>();
/** What the reconciler did, in order: the agent's endpoints it asked (the catalog watch left out) and "round" after each round. */
const log: string[] = [];
let reconciler: Reconciler;

function service(id: string): DesiredService {
  return {
    registration: { ID: id, Name: 'reconciled', Tags: [], Address: '127.0.0.1', Port: 8000, Meta: { [ownerKey]: owner }, Checks: [] },
    container: { id: `container-${id}`, name: id },
    draining: false,
  };
}
async function agentServices(): Promise<Record<string, unknown>> {
  return (await consul.api('GET', '/v1/agent/services')) as Record<string, unknown>;
}
function setDesired(...ids: string[]): void {
  desired = new Map(ids.map((id) => [id, service(id)]));
  reconciler.wake();
}
/** Until the last round had nothing to write; resolves to the log's length then. */
function quiet(): Promise<number> {
  return waitFor('a quiet round', () => {
    const last = log.lastIndexOf('round');
    const between = log.slice(log.lastIndexOf('round', last - 1) + 1, last);
    return last >= 0 && log.length === last + 1 && !between.includes('/v1/agent/service') ? log.length : undefined;
  }, { timeoutMs: 30_000 });
}

before(async () => {
  consul = await startConsul();
  client = new ConsulClient({
    addresses: [consul.address],
    onRequest: ({ endpoint }) => {
      if (endpoint !== '/v1/catalog/node') log.push(endpoint);
    },
  });
  reconciler = new Reconciler({
    agent: new AgentServices(client, { owner }),
    desired: () => desired,
    logger: silentLogger,
    events: { consulAnswered() {}, consulFailed() {}, registered: () => log.push('round'), lag() {} },
  });
  running = reconciler.run(stop.signal);
});
after(async () => {
  stop.abort();
  await running;
  await client.close();
  await consul.destroy();
});

test('after a quiet round, a new container is one write: the agent is not read again', async () => {
  // Our last write reaching the catalog may wake the watch just after a quiet round, and the agent
  // is rightly read then: so containers are added one by one until a round shows it (5 at most).
  const rounds: string[][] = [];
  for (let i = 1; i <= 5 && !rounds.some((round) => round.length === 1); i++) {
    const ids = Array.from({ length: i }, (_, k) => `c${k + 1}`);
    const mark = await quiet();
    setDesired(...ids);
    await waitFor(`c${i} registered`, async () => `c${i}` in (await agentServices()), { timeoutMs: 30_000 });
    await waitFor('its round', () => log.indexOf('round', mark) >= 0, { timeoutMs: 30_000 });
    rounds.push(log.slice(mark, log.indexOf('round', mark)));
  }
  assert.ok(rounds.some((round) => round.join() === '/v1/agent/service'), JSON.stringify(rounds));
});

test('another writer removes one of its services: the change in the catalog makes it read the agent, and register it again', async () => {
  setDesired('a', 'b');
  await waitFor('a registered', async () => 'a' in (await agentServices()), { timeoutMs: 30_000 });
  await quiet();
  await consul.deregisterService('a');
  await waitFor('a registered again', async () => 'a' in (await agentServices()), { timeoutMs: 30_000 });
});
