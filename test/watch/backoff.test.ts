import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Backoff } from '../../src/watch/backoff.ts';

const fixed = (value: number) => () => value;

test('equal jitter doubles the ceiling from 50 ms up to the 1 s cap, with a floor of half', () => {
  const top = new Backoff({ random: fixed(0.999999) });
  const ceilings = Array.from({ length: 8 }, () => Math.round(top.next()));
  assert.deepEqual(ceilings, [50, 100, 200, 400, 800, 1000, 1000, 1000]);

  const bottom = new Backoff({ random: fixed(0) });
  const floors = Array.from({ length: 7 }, () => bottom.next());
  assert.deepEqual(floors, [25, 50, 100, 200, 400, 500, 500]);
});

test('full jitter spreads over the whole range, down to zero', () => {
  const backoff = new Backoff({ jitter: 'full', random: fixed(0) });
  assert.equal(backoff.next(), 0);
  const half = new Backoff({ jitter: 'full', random: fixed(0.5), initialMs: 100, maxMs: 300 });
  assert.deepEqual([half.next(), half.next(), half.next(), half.next()], [50, 100, 150, 150]);
});

test('reset starts over from the first delay', () => {
  const backoff = new Backoff({ random: fixed(0) });
  for (let i = 0; i < 10; i += 1) backoff.next();
  assert.equal(backoff.next(), 500);
  backoff.reset();
  assert.equal(backoff.next(), 25);
});

test('every delay stays within [0, cap] however long the outage', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 0, max: 5000 }),
      fc.constantFrom('full' as const, 'equal' as const),
      fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 2000 }),
      (initialMs, extra, jitter, randoms) => {
        const maxMs = initialMs + extra;
        let i = 0;
        const backoff = new Backoff({ initialMs, maxMs, jitter, random: () => randoms[i++ % randoms.length]! });
        for (let n = 0; n < randoms.length; n += 1) {
          const delay = backoff.next();
          assert.ok(delay >= 0 && delay <= maxMs, `delay ${delay} outside [0, ${maxMs}]`);
        }
      },
    ),
  );
});

test('refuses a nonsensical configuration', () => {
  assert.throws(() => new Backoff({ initialMs: 0 }), /invalid backoff/);
  assert.throws(() => new Backoff({ initialMs: 500, maxMs: 100 }), /invalid backoff/);
});
