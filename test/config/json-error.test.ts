import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { describeJsonError, firstInvalidOffset } from '../../src/config/json-error.ts';

const jsonish = fc.oneof(
  fc.json(),
  fc.string(),
  fc.json().map((text) => text.slice(0, -1)),
  fc.tuple(fc.json(), fc.nat(), fc.constantFrom(',', '}', ']', 'x', '"', '\\', '\n')).map(([text, at, char]) => {
    const index = at % (text.length + 1);
    return text.slice(0, index) + char + text.slice(index);
  }),
);

describe('describeJsonError', () => {
  it('describes every syntax error in one line starting with file:line:col', () => {
    fc.assert(
      fc.property(jsonish, (text) => {
        try {
          JSON.parse(text);
        } catch (error) {
          const message = describeJsonError(text, error, 'drcon.json');
          assert.match(message, /^drcon\.json:\d+:\d+: \S/);
          assert.doesNotMatch(message, /[\n\r\u2028\u2029]/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('firstInvalidOffset', () => {
  const cases: [string, number][] = [
    ['{"a": tru}', 9],
    ['{"a": [1,]}', 9],
    ['{"a": "\\q"}', 8],
    ['{"a": "\\u12g4"}', 8],
    ['{"a": 1', 7],
    ['  x', 2],
    ['{"a": 1} 2', 9],
  ];
  for (const [text, offset] of cases) {
    it(`finds offset ${offset} in ${JSON.stringify(text)}`, () => assert.equal(firstInvalidOffset(text), offset));
  }

  it('agrees with JSON.parse on which texts are valid', () => {
    fc.assert(
      fc.property(jsonish, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const offset = firstInvalidOffset(text);
        if (valid) assert.equal(offset, -1);
        else assert.ok(offset >= 0 && offset <= text.length);
      }),
      { numRuns: 500 },
    );
  });
});
