import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerHost } from '../../src/register/docker-host.ts';

test('unix sockets, bare paths and tcp://host:port', () => {
  assert.deepEqual(parseDockerHost('unix:///var/run/docker.sock'), { kind: 'unix', socketPath: '/var/run/docker.sock', text: 'unix:///var/run/docker.sock' });
  assert.deepEqual(parseDockerHost('/tmp/docker.sock'), { kind: 'unix', socketPath: '/tmp/docker.sock', text: 'unix:///tmp/docker.sock' });
  assert.deepEqual(parseDockerHost('tcp://127.0.0.1:2375'), { kind: 'tcp', origin: 'http://127.0.0.1:2375', text: 'tcp://127.0.0.1:2375' });
});

test('anything else: one line saying what is expected', () => {
  for (const [text, why] of [['unix://relative.sock', /absolute/], ['tcp://host', /with a port/], ['ssh://host', /unknown scheme/], ['tcp://h:1/path', /no path/]] as const) {
    assert.throws(() => parseDockerHost(text), (error: Error) => why.test(error.message) && /expected unix:\/\/\/path/.test(error.message) && !error.message.includes('\n'));
  }
});
