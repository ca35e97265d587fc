// The length limit on catalog text that reaches an Nginx config (see src/dependency/catalog-text.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { longestCatalogTextBytes, overlongText, quoteForLog } from '../../src/dependency/catalog-text.ts';
import { escapeNginxToken } from '../../src/template/nginx-escape.ts';

describe('overlongText', () => {
  test('accepts values up to the limit in every field shape', () => {
    const limit = 'x'.repeat(longestCatalogTextBytes);
    assert.equal(overlongText({ ID: limit, Tags: ['a', limit], Meta: { [limit]: limit } }), undefined);
  });

  test('names the field of the first value over the limit, counting UTF-8 bytes', () => {
    assert.equal(overlongText({ ID: 'ok', Tags: ['ok', 't'.repeat(600)] }), 'Tags holds a value of 600 bytes (at most 512)');
    assert.equal(overlongText({ Meta: { ['k'.repeat(513)]: 'v' } }), 'Meta holds a value of 513 bytes (at most 512)');
    // 200 euro signs: 200 characters but 600 bytes.
    assert.equal(overlongText({ Name: '€'.repeat(200) }), 'Name holds a value of 600 bytes (at most 512)');
  });

  test('a value at the limit escapes well within an Nginx token (4096 bytes)', () => {
    for (const character of ['x', ';', '€', '😀', '\u0000']) {
      const value = character.repeat(Math.floor(longestCatalogTextBytes / Buffer.byteLength(character)));
      assert.equal(overlongText({ value }), undefined);
      assert.ok(escapeNginxToken(value).length <= 3 * longestCatalogTextBytes, character);
    }
  });
});

describe('quoteForLog', () => {
  test('quotes as JSON, so a newline or NUL cannot break the log line', () => {
    assert.equal(quoteForLog('a\nb\u0000'), '"a\\nb\\u0000"');
  });

  test('cuts a long value short', () => {
    assert.equal(quoteForLog('h'.repeat(10_000)), `"${'h'.repeat(64)}…"`);
  });
});
