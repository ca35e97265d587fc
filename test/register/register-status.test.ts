import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterStatus } from '../../src/register/register-status.ts';

test('Node\'s process metrics are collected only when a status server will show them', async () => {
  assert.match(await new RegisterStatus({ served: true }).metrics(), /^process_cpu_seconds_total /m);
  assert.match(await new RegisterStatus({ served: true }).metrics(), /^nodejs_eventloop_lag_p99_seconds /m);
  const unserved = await new RegisterStatus({ served: false }).metrics();
  assert.doesNotMatch(unserved, /^(process|nodejs)_/m);
  assert.match(unserved, /^drcon_register_services /m);
});
