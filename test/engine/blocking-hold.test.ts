// The hold of -once's blocking queries: closed until a render waits for a key, then open for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockingHold } from '../../src/engine/blocking-hold.ts';

const settledWithin = async (promise: Promise<void>): Promise<boolean> => {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
};

test('a blocking read waits until the hold opens; after that none waits', async () => {
  const hold = new BlockingHold();
  const signal = new AbortController().signal;
  const first = hold.wait(signal);
  const second = hold.wait(signal);
  assert.equal(await settledWithin(first), false, 'held while closed');
  hold.open();
  assert.equal(await settledWithin(first), true);
  assert.equal(await settledWithin(second), true);
  assert.equal(await settledWithin(hold.wait(signal)), true, 'open for good');
});

test('a stopped watch stops waiting (it checks its signal itself)', async () => {
  const hold = new BlockingHold();
  const controller = new AbortController();
  const waiting = hold.wait(controller.signal);
  controller.abort();
  assert.equal(await settledWithin(waiting), true);
  assert.equal(await settledWithin(hold.wait(controller.signal)), true, 'an aborted signal does not wait at all');
});
