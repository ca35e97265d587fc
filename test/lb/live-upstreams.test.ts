// What LiveUpstreams writes for Nginx's master to load, render after render (Nginx not running
// here: only the file is written). An upstream a new structure drops keeps its list until a render
// whose structure is in place: the running workers still serve it until the reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveUpstreams } from '../../src/lb/live-upstreams.ts';
import { silentLogger } from '../../src/log/logger.ts';

const upstream = (name: string, ...ports: number[]) => ({
  upstream: name, service: name, instances: ports.map((port) => ({ ID: `${name}-${port}`, Address: '10.0.0.1', Port: port, Status: 'passing' })),
});

test('the lists file, render after render: written on a change only, dropped upstreams kept until the structure is in place', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'drcon-live-upstreams-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const peersFile = join(dir, 'peers.txt');
  const live = new LiveUpstreams({ live: { socket: join(dir, 'none.sock'), secret: 'x'.repeat(64), peersFile }, nginxRunning: () => false, logger: silentLogger });
  t.after(() => live.close());
  const lists = async () => (await readFile(peersFile, 'utf8')).replace(/^generation \d+\n/, '');
  const generation = async () => Number(/^generation (\d+)\n/.exec(await readFile(peersFile, 'utf8'))?.[1]);

  assert.equal(await live.publish([upstream('web', 80), upstream('api', 81)], true), 'written');
  assert.equal(await lists(), 'upstream web web\npeer 10.0.0.1 80 1\nupstream api api\npeer 10.0.0.1 81 1\n');
  const first = await generation();
  assert.equal(await live.publish([upstream('web', 80), upstream('api', 81)], false), 'unchanged');
  assert.equal(await generation(), first);

  assert.equal(await live.publish([upstream('web', 80, 82)], true), 'written'); // api's location goes
  assert.equal(await lists(), 'upstream web web\npeer 10.0.0.1 80 1\npeer 10.0.0.1 82 1\nupstream api api\npeer 10.0.0.1 81 1\n');
  assert.ok((await generation()) > first);
  assert.equal(await live.publish([upstream('web', 82)], false), 'written');
  assert.equal(await lists(), 'upstream web web\npeer 10.0.0.1 82 1\n');
});
