// A watching drcon restarted while Consul still counts the long-polls of the one before: Consul
// (1.8 at least) keeps a blocking query's connection until its wait runs out, even after the
// client has gone, and refuses a client address past 200 connections. Its own agent: the test
// leaves it near that limit for a minute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { waitFor } from '../../harness/wait.ts';
import { connectionsTo } from '../../harness/socket-table.ts';

/** Each has a long-poll of its own (under the default budget of 128), 120 in all with the catalog's. */
const services = 119;

let consul: ConsulAgent;
const running: RunningDrcon[] = [];
const dir = mkdtempSync(join(tmpdir(), 'drcon-restart-'));

before(async () => {
  consul = await startConsul();
  const ops = [
    { Node: { Verb: 'set', Node: { Node: 'many', Address: '10.9.0.1' } } },
    ...Array.from({ length: services }, (_, index) => ({
      Service: { Verb: 'set', Node: 'many', Service: { ID: `many-${index}`, Service: `many-${index}`, Port: 9000 + index } },
    })),
  ];
  for (let at = 0; at < ops.length; at += 64) await consul.api('PUT', '/v1/txn', ops.slice(at, at + 64));
});
after(async () => {
  await Promise.all(running.map((drcon) => drcon.stop()));
  await consul?.stop();
});

test('restarted within the minute Consul keeps the last run\'s long-polls, drcon still renders at once', async () => {
  const source = join(dir, 'many.hbs');
  writeFileSync(source, '{{#each (services)}}{{#each (service Name)}}{{Port}}\n{{/each}}{{/each}}');
  const complete = (out: string) => existsSync(out) && readFileSync(out, 'utf8').split('\n').length === services + 2; // + consul, + the last newline
  const render = (out: string) => {
    const drcon = startDrcon(['render', '-consul-addr', consul.address, '-template', `${source}:${out}`]);
    running.push(drcon);
    return drcon;
  };

  const first = render(join(dir, 'first.out'));
  await waitFor('the first run\'s complete file', () => complete(join(dir, 'first.out')));
  const consulPort = Number(consul.address.split(':').at(-1));
  await waitFor('its long-polls', () => connectionsTo(first.process.pid!, consulPort) > services);
  assert.equal(await first.stop(), 0);

  // Before, the second run opened a connection per first read at once, Consul refused the ones
  // past 200, and their services came only once the old long-polls' waits ran out (a minute).
  const second = render(join(dir, 'second.out'));
  await waitFor('the second run\'s complete file', () => complete(join(dir, 'second.out')), { timeoutMs: 10_000 });
  await second.stop();
});
