// drcon register reaches its agent as render does: the same token, CA and client-certificate
// settings, from flags or from the environment, checked the same way before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDrcon } from '../../harness/drcon.ts';

test('-client-cert without -client-key is refused by register as by render', async () => {
  for (const command of ['render', 'register']) {
    const extra = command === 'render' ? ['-template', 'in.hbs:out.conf', '-consul-addr', '127.0.0.1:1'] : ['consul://127.0.0.1:1'];
    const run = await runDrcon([command, '-client-cert', 'client.pem', ...extra]);
    assert.equal(run.code, 2, `${command}: ${run.stderr}`);
    assert.match(run.stderr, /^drcon: -client-cert: needs -client-key as well\n$/, command);
  }
});

test('CONSUL_CLIENT_KEY without CONSUL_CLIENT_CERT is refused by register too', async () => {
  const run = await runDrcon(['register', 'consul://127.0.0.1:1'], { env: { CONSUL_CLIENT_KEY: 'client.key' } });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /-client-key: needs -client-cert as well/);
});
