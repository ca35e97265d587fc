import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unknownCommandProblem } from '../../src/cli/unknown-command.ts';

const commands = ['render', 'lb', 'convert', 'register'];

test('a command, a flag first (--help) or no word at all is not a problem here', () => {
  for (const word of ['render', 'lb', '--help', '-h', undefined]) assert.equal(unknownCommandProblem(word, commands), undefined);
});

test('a slip gets the nearest command; another word gets the list', () => {
  assert.equal(unknownCommandProblem('rendr', commands), 'unknown command "rendr" (did you mean render?)');
  assert.equal(unknownCommandProblem('Register', commands), 'unknown command "Register" (did you mean register?)');
  assert.equal(unknownCommandProblem('serve', commands), 'unknown command "serve" (commands: render, lb, convert, register)');
});
