import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../src/watch/rate-limit.ts';

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('the first request goes at once; back-to-back ones are spaced by the minimum', () => {
  const time = clock();
  const limiter = new RateLimiter({ minSpacingMs: 50, dither: 0, now: time.now });
  assert.equal(limiter.reserve(), 0);
  // A loop whose answers come back instantly: each reservation is taken right away.
  assert.equal(limiter.reserve(), 50);
  assert.equal(limiter.reserve(), 100);
  time.advance(100);
  assert.equal(limiter.reserve(), 50);
});

test('a request after a long enough pause (a long poll) is not delayed', () => {
  const time = clock();
  const limiter = new RateLimiter({ minSpacingMs: 50, dither: 0, now: time.now });
  limiter.reserve();
  time.advance(60_000);
  assert.equal(limiter.reserve(), 0);
  time.advance(30);
  assert.equal(limiter.reserve(), 20);
});

test('dither adds up to its fraction of the spacing', () => {
  const time = clock();
  const low = new RateLimiter({ minSpacingMs: 100, dither: 0.2, now: time.now, random: () => 0 });
  low.reserve();
  assert.equal(low.reserve(), 100);
  const high = new RateLimiter({ minSpacingMs: 100, dither: 0.2, now: time.now, random: () => 0.5 });
  high.reserve();
  assert.equal(high.reserve(), 110);
});

test('at most about 1000/spacing requests start in any second', () => {
  const time = clock();
  const limiter = new RateLimiter({ minSpacingMs: 50, now: time.now });
  const starts: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const delay = limiter.reserve();
    time.advance(delay);
    starts.push(time.now());
    time.advance(1); // the answer comes back 1 ms later, and the loop asks again
  }
  for (let i = 20; i < starts.length; i += 1) {
    assert.ok(starts[i]! - starts[i - 20]! >= 1_000, `21 requests within ${starts[i]! - starts[i - 20]!} ms`);
  }
});

test('refuses a negative spacing', () => {
  assert.throws(() => new RateLimiter({ minSpacingMs: -1 }), /invalid rate limit/);
});
