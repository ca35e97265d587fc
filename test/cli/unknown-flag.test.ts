import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unknownFlagProblem } from '../../src/cli/unknown-flag.ts';

const known = { names: ['consul-addr', 'once', 'dry', 'template', 'o', 'output'], booleans: ['once', 'dry'] };

test('known flags, their values, negated switches and everything after -- pass', () => {
  assert.equal(unknownFlagProblem(['render', '-consul-addr', 'x:1', '--once', '-no-dry', '-o', 'f', '-template=a:b', '--', '-nosuch'], known), undefined);
});

test('an unknown flag is named as typed, with one dash or two, without its value', () => {
  assert.equal(unknownFlagProblem(['-no-such-flag'], known), 'unknown flag -no-such-flag');
  assert.equal(unknownFlagProblem(['--zzz=1'], known), 'unknown flag --zzz');
  // "-no-" negates switches only.
  assert.equal(unknownFlagProblem(['-no-template'], known), 'unknown flag -no-template');
});

test('a slip of a few characters gets the nearest flag; a different word gets none', () => {
  assert.equal(unknownFlagProblem(['-consul-adr'], known), 'unknown flag -consul-adr (did you mean -consul-addr?)');
  assert.equal(unknownFlagProblem(['-Once'], known), 'unknown flag -Once (did you mean -once?)');
  assert.equal(unknownFlagProblem(['-verbose'], known), 'unknown flag -verbose');
  // One-letter aliases are never suggested.
  assert.equal(unknownFlagProblem(['-x'], known), 'unknown flag -x');
});
