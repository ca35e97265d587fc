import assert from 'node:assert/strict';
import { test } from 'node:test';
import helpTextWidth from '../../src/cli/help-text-width.ts';

test('a character of the help text is one column; colour codes take none', () => {
  assert.equal(helpTextWidth('--consul-addr'), 13);
  assert.equal(helpTextWidth('source:destination[:command] — repeat'), 37);
  assert.equal(helpTextWidth('\x1b[1mbold\x1b[22m'), 4);
  assert.equal(helpTextWidth(''), 0);
});
