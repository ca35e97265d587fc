import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/config-error.ts';
import { formatDuration, maxDurationMs, parseDuration } from '../../src/config/duration.ts';

describe('parseDuration', () => {
  const valid: [string, number][] = [
    ['0', 0],
    ['0s', 0],
    ['250ms', 250],
    ['2s', 2000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['1.1s', 1100], // exact, not 1100.0000000000002
    ['.5s', 500],
    ['+3s', 3000],
    ['1500us', 1.5],
    ['2µs', 0.002],
    ['1h2m3s4ms', 3_723_004],
    ['596h', 2_145_600_000],
  ];
  for (const [text, ms] of valid) {
    it(`reads ${JSON.stringify(text)} as ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  }

  const invalid: [string, RegExp][] = [
    ['5', /invalid duration "5" \(missing unit, e\.g\. 5s\)$/],
    ['1.5', /missing unit, e\.g\. 1\.5s/],
    ['5x', /invalid duration "5x" \(unknown unit "x"; expected e\.g\. 500ms, 2s, 1m\)$/],
    ['', /invalid duration "" \(expected/],
    ['s', /expected e\.g\./],
    ['.s', /expected e\.g\./],
    ['1s5', /expected e\.g\./],
    [' 1s', /expected e\.g\./],
    ['1S', /expected e\.g\./],
    ['-1s', /must not be negative/],
    ['597h', /longer than the maximum of 596h/],
    ['1'.repeat(80) + 's', /expected e\.g\./],
  ];
  for (const [text, message] of invalid) {
    it(`rejects ${JSON.stringify(text.slice(0, 20))}`, () => {
      assert.throws(() => parseDuration(text), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('names the flag', () => {
    assert.throws(() => parseDuration('5x', '-wait'), {
      message: '-wait: invalid duration "5x" (unknown unit "x"; expected e.g. 500ms, 2s, 1m)',
    });
  });

  it('reads back whatever formatDuration writes (whole milliseconds)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: maxDurationMs }), (ms) => {
        assert.equal(parseDuration(formatDuration(ms)), ms);
      }),
    );
  });

  it('for any text, returns a non-negative number or throws one line naming the flag', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9.+-]{0,6}(ns|us|ms|s|m|h|x|){0,3}$/)), (text) => {
        try {
          const ms = parseDuration(text, '-max-stale');
          assert.ok(Number.isFinite(ms) && ms >= 0 && ms <= maxDurationMs);
        } catch (error) {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /^-max-stale: invalid duration .*\)$/);
          assert.doesNotMatch(error.message, /[\n\r]/);
        }
      }),
    );
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [60_000, '60s'],
    [250, '250ms'],
    [1500, '1500ms'],
    [0.5, '500us'],
  ];
  for (const [ms, text] of cases) {
    it(`writes ${ms} ms as ${text}`, () => assert.equal(formatDuration(ms), text));
  }
  it('refuses a negative or infinite duration', () => {
    assert.throws(() => formatDuration(-1), RangeError);
    assert.throws(() => formatDuration(Infinity), RangeError);
  });
});
