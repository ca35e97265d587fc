// The only Consul agent killed (SIGKILL) for 10 s, then started again: `drcon lb` keeps running,
// Nginx keeps serving the last good config without one failed request, nothing is rendered while
// the agent is away (least of all an empty upstream), and the truth after its return is served.
//
// The agent is a real single server with a data directory, not a dev agent: a dev agent comes
// back empty, so its catalog would honestly lack the service until re-registration; a persistent
// one keeps its catalog as a production agent does, which makes "no empty render" meaningful.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startConsul } from '../../harness/consul.ts';
import { startDrcon } from '../../harness/drcon.ts';
import { startBackend, type Backend } from '../../harness/backend.ts';
import { freePort } from '../../harness/ports.ts';
import { versionLog } from '../../harness/version-log.ts';
import { waitFor } from '../../harness/wait.ts';
import { startLoadLoop } from '../../harness/load-loop.ts';

const root = mkdtempSync(join(tmpdir(), 'drcon-outage-'));
chmodSync(root, 0o711); // Nginx workers (another user when run as root) pass through it
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(root, { recursive: true, force: true });
});

async function backend(name: string): Promise<Backend> {
  const server = await startBackend(name);
  cleanups.push(() => server.close());
  return server;
}

test('a killed agent: Nginx serves throughout, nothing renders meanwhile, the truth after its return is served', async (t) => {
  const consul = await startConsul({ persistent: true });
  cleanups.push(() => consul.destroy());
  const [a, b, c] = [await backend('alpha'), await backend('beta'), await backend('gamma')];
  const register = (id: string, server: Backend) =>
    consul.registerService({ ID: id, Name: 'web', Address: '127.0.0.1', Port: server.port });
  await register('web-a', a);
  await register('web-b', b);

  const port = await freePort();
  const lb = startDrcon(['lb', '-consul-addr', consul.address, '-service', 'web', '-listen', `127.0.0.1:${port}`, '-dir', join(root, 'lb'), '-status-addr', 'off', '-min-interval', '100ms']);
  cleanups.push(() => lb.stop());
  // A second view of the same data whose command records every version of the file it wrote.
  const source = join(root, 'web.hbs');
  const destination = join(root, 'web.conf');
  writeFileSync(source, '{{#each (service "web")}}server {{Address}}:{{Port}};\n{{/each}}');
  const log = versionLog(destination, join(root, 'versions.log'));
  const render = startDrcon(['render', '-consul-addr', consul.address, '-template', `${source}:${destination}:${log.command}`]);
  cleanups.push(() => render.stop());
  let finished = false; // what the processes said is printed when the test fails
  t.after(() => {
    if (!finished) console.log(lb.output(), render.output(), log.versions());
  });

  const load = startLoadLoop(`http://127.0.0.1:${port}/`);
  cleanups.push(() => load.stop());
  await waitFor('both instances served', () => a.hits > 0 && b.hits > 0, { timeoutMs: 30_000 });
  await waitFor('the first render', () => log.versions().length === 1);
  const servers = (...backends: Backend[]) => backends.map((server) => `server 127.0.0.1:${server.port};\n`).join('');
  assert.deepEqual(log.versions(), [servers(a, b)]);
  load.reset(); // count from here: every request during and after the outage must succeed

  await consul.stop(true);
  await lb.waitForOutput(/WARN  Consul query failed; retrying/);
  await render.waitForOutput(/WARN  Consul query failed; retrying/);
  const servedBefore = load.ok;
  await sleep(10_000);
  assert.ok(load.ok > servedBefore, 'requests went on being served while the agent was away');
  assert.equal(lb.process.exitCode, null, 'drcon lb still running');
  assert.equal(render.process.exitCode, null, 'drcon render still running');

  await consul.restart();
  // Registering again is what a service's own agent config would do; a persistent agent kept
  // these already, so it changes nothing. The new instance is the new truth.
  await register('web-a', a);
  await register('web-b', b);
  const back = performance.now();
  await register('web-c', c);
  await waitFor('the new instance served', () => c.hits > 0, { timeoutMs: 30_000 });
  console.log(`agent outage: new instance served ${Math.round(performance.now() - back)} ms after registration`);
  await waitFor('the new truth rendered', () => log.versions().length === 2);
  await load.stop();

  assert.equal(load.failed, 0, load.failures.slice(0, 5).join('; '));
  assert.ok(load.ok > 0);
  assert.deepEqual(log.versions(), [servers(a, b), servers(a, b, c)], 'no render while the agent was away, none empty');
  assert.equal((lb.output().match(/INFO  rendered/g) ?? []).length, 2, 'the lb rendered twice: at start, and the new instance');
  assert.match(lb.output(), /Consul query recovered/);
  finished = true;
});
