// Registrator's number flags of drcon register: -ttl and -ttl-refresh together, the refresh
// shorter than the TTL; whole numbers in the flag's unit or durations; each mistake one line
// naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registratorDuration, retryAttempts, ttlSettings } from '../../src/cli/registrator-flags.ts';
import { runDrcon } from '../../harness/drcon.ts';

test('-ttl and -ttl-refresh: seconds or durations; neither means no TTL check', () => {
  assert.equal(ttlSettings(undefined, undefined), undefined);
  assert.equal(ttlSettings('0', '0'), undefined);
  assert.deepEqual(ttlSettings('30', '10'), { ttlMs: 30_000, refreshMs: 10_000 });
  assert.deepEqual(ttlSettings('1m', '1500ms'), { ttlMs: 60_000, refreshMs: 1_500 });
});

test('-ttl and -ttl-refresh: one without the other, a refresh not shorter than the TTL, a bad value: one line naming the flag', () => {
  const refused: [string | undefined, string | undefined, RegExp][] = [
    ['30', undefined, /^-ttl-refresh: needed with -ttl 30/],
    [undefined, '10', /^-ttl: needed with -ttl-refresh 10/],
    ['30', '0', /^-ttl-refresh: needed with -ttl 30/],
    ['10', '10', /^-ttl-refresh: 10 must be less than -ttl 10/],
    ['10s', '1m', /^-ttl-refresh: 1m must be less than -ttl 10s/],
    ['soon', '10', /^-ttl: invalid duration "soon"/],
    ['30', '-5', /^-ttl-refresh: invalid duration "-5" \(must not be negative\)/],
    ['99999999', '10', /^-ttl: "99999999" is longer than 2147483647 ms/],
  ];
  for (const [ttl, refresh, message] of refused) {
    assert.throws(() => ttlSettings(ttl, refresh), (error: Error) => error.name === 'UsageError' && message.test(error.message) && !error.message.includes('\n'), `${ttl} ${refresh}`);
  }
});

test('the other Registrator numbers: -resync in seconds, -retry-interval in milliseconds, -retry-attempts ≥ -1', () => {
  assert.equal(registratorDuration('5', '-resync', 1000), 5_000);
  assert.equal(registratorDuration('250', '-retry-interval', 1), 250);
  assert.equal(registratorDuration('2s', '-retry-interval', 1), 2_000);
  assert.equal(retryAttempts('-1'), -1);
  assert.throws(() => retryAttempts('-2'), /^UsageError: -retry-attempts: expected a whole number ≥ -1, got "-2"$/);
});

test('drcon register refuses -ttl-refresh ≥ -ttl before it starts: exit 2, one line', async () => {
  const run = await runDrcon(['register', '-ttl', '5', '-ttl-refresh', '5', 'consul://127.0.0.1:1']);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stderr, 'drcon: -ttl-refresh: 5 must be less than -ttl 5, or the checks expire between refreshes\n');
});
