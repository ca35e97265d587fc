// The rules that decide whether a move of the services index was traced to the services it touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServicesWriteLedger } from '../../../src/watch/catalog/services-write-ledger.ts';

/** A ledger whose services and checks both start at index 100. */
function ledgerAt100(): ServicesWriteLedger {
  const ledger = new ServicesWriteLedger();
  ledger.servicesAnswered(100);
  ledger.checksAnswered(100, []);
  return ledger;
}

test('nothing pending while the services index stays put', () => {
  const ledger = ledgerAt100();
  ledger.servicesAnswered(100);
  assert.equal(ledger.stage(), 'settled');
  assert.equal(ledger.decide(), 'settled');
});

test('a services write that also changed a check is traced', () => {
  const ledger = ledgerAt100();
  ledger.servicesAnswered(101);
  assert.equal(ledger.stage(), 'probe', 'the checks have not been seen at 101 yet');
  ledger.checksAnswered(101, [101]);
  assert.equal(ledger.stage(), 'ready');
  assert.equal(ledger.decide(), 'settled');
  assert.equal(ledger.stage(), 'settled');
});

test('a services write seen through the index of a service answer is traced', () => {
  const ledger = ledgerAt100();
  ledger.servicesAnswered(101);
  // A deregistration: its checks are gone, so no changed check carries the index.
  ledger.checksAnswered(101, []);
  ledger.seen([101]);
  assert.equal(ledger.decide(), 'settled');
});

test('a check index that moved without a changed check does not trace the write', () => {
  const ledger = ledgerAt100();
  ledger.servicesAnswered(101);
  ledger.checksAnswered(101, []);
  assert.equal(ledger.decide(), 'sweep');
});

test('a probe that finds the check index behind the services index means a hidden write', () => {
  const ledger = ledgerAt100();
  ledger.servicesAnswered(105);
  assert.equal(ledger.stage(), 'probe');
  assert.equal(ledger.probeAnswered(100, 105), 'sweep');
  assert.equal(ledger.stage(), 'settled', 'the sweep covers it');
});

test('a probe that finds the check index ahead means waiting for the checks', () => {
  const ledger = ledgerAt100();
  ledger.servicesAnswered(105);
  assert.equal(ledger.probeAnswered(105, 105), undefined);
  assert.equal(ledger.stage(), 'wait');
  // A newer services write is not covered by that probe.
  ledger.servicesAnswered(107);
  assert.equal(ledger.stage(), 'probe');
});

test('writes between two traced ones that nothing accounts for earn a catch-up', () => {
  const ledger = ledgerAt100();
  ledger.servicesAnswered(104);
  ledger.checksAnswered(104, [102, 104]);
  // 101 and 103 may have been unseen service writes (or KV writes: nothing tells).
  assert.equal(ledger.decide(), 'catch-up');
});

test('writes between two traced ones that are all accounted for need nothing more', () => {
  const ledger = ledgerAt100();
  ledger.servicesAnswered(104);
  ledger.checksAnswered(104, [101, 102, 104]);
  ledger.seen([103]);
  assert.equal(ledger.decide(), 'settled');
});

test('a gap too wide to search earns a catch-up', () => {
  const ledger = ledgerAt100();
  ledger.servicesAnswered(100_000);
  ledger.checksAnswered(100_000, [100_000]);
  assert.equal(ledger.decide(), 'catch-up');
});

test('an index going backwards resets', () => {
  const ledger = ledgerAt100();
  assert.equal(ledger.servicesAnswered(50), 'reset');
  assert.equal(ledger.stage(), 'settled');
  assert.equal(ledger.checksAnswered(40, []), 'reset');
  ledger.servicesAnswered(51);
  assert.equal(ledger.stage(), 'probe', 'the checks (at 40 after the reset) have not reached 51');
  ledger.checksAnswered(51, [51]);
  assert.equal(ledger.decide(), 'settled', 'counted from the new start, 50');
});

test('settling (a sweep on its way) traces everything pending', () => {
  const ledger = ledgerAt100();
  ledger.servicesAnswered(110);
  ledger.settleAll();
  assert.equal(ledger.stage(), 'settled');
  ledger.servicesAnswered(111);
  ledger.checksAnswered(111, [111]);
  assert.equal(ledger.decide(), 'settled', 'counted from 110, with nothing in between');
});

test('settling with a reach traces the writes up to it too', () => {
  const ledger = ledgerAt100();
  ledger.settleAll(105); // the first load, after check writes up to 105
  ledger.servicesAnswered(106);
  ledger.checksAnswered(106, [106]);
  assert.equal(ledger.decide(), 'settled', 'counted from 105');

  const without = ledgerAt100();
  without.settleAll();
  without.servicesAnswered(106);
  without.checksAnswered(106, [106]);
  assert.equal(without.decide(), 'catch-up', '101 to 105 unaccounted for');
});
