// A real three-server Consul cluster plus a client agent, each agent on its own loopback address.
// - Several -consul-addr: when the agent in use dies, drcon moves to the next without missing a
//   change, and back again when that one dies later.
// - The leader killed: an election follows, during which agents answer "No cluster leader" (500,
//   X-Consul-KnownLeader: false). No request through the balancer fails, no version of the file is
//   empty or partial, and after the election a new instance is served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsulCluster, type ClusterAgent, type ConsulCluster } from '../../harness/consul-cluster.ts';
import { startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { startBackend, type Backend } from '../../harness/backend.ts';
import { startLoadLoop } from '../../harness/load-loop.ts';
import { freePort } from '../../harness/ports.ts';
import { versionLog, type VersionLog } from '../../harness/version-log.ts';
import { waitFor } from '../../harness/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'drcon-cluster-test-'));
chmodSync(root, 0o711); // Nginx workers (another user when run as root) pass through it
const cleanups: (() => Promise<unknown>)[] = [];
let cluster: ConsulCluster;

before(async () => {
  cluster = await startConsulCluster();
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await cluster?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function backend(name: string): Promise<Backend> {
  const server = await startBackend(name);
  cleanups.push(() => server.close());
  return server;
}

/** Registers on the client agent: the instance lives on a node no test kills. */
const register = (service: string, id: string, server: Backend) =>
  cluster.registerService({ ID: id, Name: service, Address: '127.0.0.1', Port: server.port });

const servers = (...backends: Backend[]) => backends.map((server) => `server 127.0.0.1:${server.port};\n`).join('');

interface Render {
  drcon: RunningDrcon;
  log: VersionLog;
}

/** `drcon render` of one service's servers, recording every version it writes. */
function watchService(name: string, addresses: string[]): Render {
  return watchTemplate(name, `{{#each (service "${name}")}}server {{Address}}:{{Port}};\n{{/each}}`, addresses);
}

/** `drcon render` of a template, recording every version it writes. */
function watchTemplate(name: string, template: string, addresses: string[], extraFlags: string[] = []): Render {
  const source = join(root, `${name}.hbs`);
  writeFileSync(source, template);
  const log = versionLog(join(root, `${name}.conf`), join(root, `${name}.versions`));
  const flags = [...addresses.flatMap((address) => ['-consul-addr', address]), ...extraFlags];
  const drcon = startDrcon(['render', ...flags, '-template', `${source}:${join(root, `${name}.conf`)}:${log.command}`]);
  cleanups.push(() => drcon.stop());
  return { drcon, log };
}

async function followers(): Promise<ClusterAgent[]> {
  const leader = await cluster.leader();
  return cluster.servers.filter((server) => server !== leader);
}

test('several -consul-addr: drcon moves to the next agent when one dies, and back when that one dies', async (t) => {
  const [first, second] = await followers();
  const [a, b, c] = [await backend('a'), await backend('b'), await backend('c')];
  await register('failover', 'failover-a', a);
  const { drcon, log } = watchService('failover', [first!.address, second!.address]);
  let finished = false; // what the processes said is printed when the test fails
  t.after(() => {
    if (!finished) console.log(drcon.output(), log.versions());
  });
  await waitFor('the first render', () => log.versions().length === 1);

  await first!.kill();
  await register('failover', 'failover-b', b);
  await waitFor('the change made while the first agent was down rendered', () => log.versions().length === 2, { timeoutMs: 30_000 });
  assert.match(drcon.output(), new RegExp(`cannot reach Consul at http://${first!.address.replaceAll('.', '\\.')}`));

  // Later: the first agent is back, and the second one dies at once. A restarted server may still
  // be replaying its log and answer from an empty or old state: drcon must not take that for news.
  await first!.start();
  await second!.kill();
  await register('failover', 'failover-c', c);
  await waitFor('the change made while the second agent was down rendered', () => log.versions().length === 3, { timeoutMs: 30_000 });
  assert.match(drcon.output(), new RegExp(`cannot reach Consul at http://${second!.address.replaceAll('.', '\\.')}`));
  await second!.start();

  assert.deepEqual(log.versions(), [servers(a), servers(a, b), servers(a, b, c)]);
  assert.equal(drcon.process.exitCode, null);
  finished = true;
});

test('the leader killed: no failed request, no empty or partial render during the election; then the new truth', async (t) => {
  const [a, b, c] = [await backend('alpha'), await backend('beta'), await backend('gamma')];
  await register('web', 'web-a', a);
  await register('web', 'web-b', b);
  // Thirty more services, one instance each: a template over all of them needs more watches than
  // a blocking-query budget of 24 (given below), so it is served by catalog-wide change detection.
  const pool = (count: number) => Array.from({ length: count }, (_, i) => `pool-${String(i).padStart(2, '0')}:${20_000 + i}\n`).join('');
  for (let i = 0; i < 30; i++) {
    await cluster.registerService({ ID: `pool-${i}`, Name: `pool-${String(i).padStart(2, '0')}`, Address: '127.0.0.1', Port: 20_000 + i });
  }
  await waitFor('every service in the catalog', async () => 'pool-29' in ((await cluster.api('GET', '/v1/catalog/services')) as object) || undefined);
  const client = cluster.client!;

  const port = await freePort();
  // The balancer asks the client agent, as on a DR CoN host; one render asks the servers
  // directly, the leader first, so it also has to move to another address during the election.
  const lb = startDrcon(['lb', '-consul-addr', client.address, '-service', 'web', '-listen', `127.0.0.1:${port}`, '-dir', join(root, 'lb'), '-status-addr', 'off', '-min-interval', '100ms']);
  cleanups.push(() => lb.stop());
  const leader = await cluster.leader();
  const byServers = watchService('web', [leader, ...cluster.servers.filter((server) => server !== leader)].map((server) => server.address));
  const everything = watchTemplate('pool', '{{#each (services)}}{{#if (startsWith Name "pool-")}}{{Name}}:{{#each (service Name)}}{{Port}}{{/each}}\n{{/if}}{{/each}}', [client.address], ['-max-blocking-queries', '24']);
  let finished = false; // what the processes said is printed when the test fails
  t.after(() => {
    if (!finished) {
      console.log(lb.output().split('\n').filter((line) => !line.includes('"GET /')).join('\n'));
      console.log(byServers.drcon.output(), byServers.log.versions(), everything.drcon.output(), everything.log.versions());
    }
  });

  const load = startLoadLoop(`http://127.0.0.1:${port}/`);
  cleanups.push(() => load.stop());
  await waitFor('both instances served', () => a.hits > 0 && b.hits > 0, { timeoutMs: 30_000 });
  await waitFor('the first renders', () => byServers.log.versions().length === 1 && everything.log.versions().length === 1);
  load.reset();
  const rendersBefore = lb.output().match(/INFO  rendered/g)?.length ?? 0;

  await leader.kill();
  const elected = await cluster.leader(60_000);
  assert.notEqual(elected, leader);
  await register('web', 'web-c', c);
  await cluster.registerService({ ID: 'pool-30', Name: 'pool-30', Address: '127.0.0.1', Port: 20_030 });
  await waitFor('the new instance served', () => c.hits > 0, { timeoutMs: 30_000 });
  await waitFor('the new instance rendered', () => byServers.log.versions().length === 2, { timeoutMs: 30_000 });
  await waitFor('the new service rendered', () => everything.log.versions().length === 2, { timeoutMs: 30_000 });
  await load.stop();

  assert.equal(load.failed, 0, load.failures.slice(0, 5).join('; '));
  assert.ok(load.ok > 0);
  assert.deepEqual(byServers.log.versions(), [servers(a, b), servers(a, b, c)], 'every version complete, none empty');
  assert.deepEqual(everything.log.versions(), [pool(30), pool(31)], 'every version complete, none empty');
  assert.equal((lb.output().match(/INFO  rendered/g) ?? []).length, rendersBefore + 1, 'the lb rendered once: the new instance');
  assert.match(byServers.drcon.output(), /Consul query failed; retrying/, 'the render did lose its agent');
  assert.match(everything.drcon.output(), /detecting catalog-wide changes/, 'the services were watched by change detection');
  await leader.start(); // back to three servers
  finished = true;
});
