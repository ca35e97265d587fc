import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { maxDurationMs } from '../../src/config/duration.ts';
import { parseWait } from '../../src/config/wait.ts';

describe('parseWait', () => {
  const valid: [string, { minMs: number; maxMs: number }][] = [
    ['2s', { minMs: 2000, maxMs: 8000 }], // max defaults to 4 × min
    ['2s:10s', { minMs: 2000, maxMs: 10_000 }],
    ['500ms:500ms', { minMs: 500, maxMs: 500 }],
    [' 1s : 3s ', { minMs: 1000, maxMs: 3000 }],
    ['0', { minMs: 0, maxMs: 0 }],
    ['596h', { minMs: 2_145_600_000, maxMs: maxDurationMs }], // 4 × min capped at the timer limit
  ];
  for (const [text, wait] of valid) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseWait(text), wait));
  }

  const invalid: [string, string][] = [
    ['10s:2s', '-wait: invalid wait "10s:2s" (max is less than min)'],
    ['1s:2s:3s', '-wait: invalid wait "1s:2s:3s" (expected min or min:max, e.g. 2s:10s)'],
    ['2', '-wait: invalid duration "2" (missing unit, e.g. 2s)'],
    ['2s:', '-wait: invalid duration "" (expected e.g. 500ms, 2s, 1m)'],
    [':2s', '-wait: invalid duration "" (expected e.g. 500ms, 2s, 1m)'],
  ];
  for (const [text, message] of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseWait(text), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.message, message);
        return true;
      });
    });
  }

  it('names the flag it was given', () => {
    assert.throws(() => parseWait('x', '-lb-wait'), { message: /^-lb-wait: invalid duration "x"/ });
  });
});
