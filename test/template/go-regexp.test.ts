import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { goRegexp, goReplaceAll } from '../../src/template/go-regexp.ts';

test('Go\'s syntax that JavaScript reads differently: POSIX classes, \\Q…\\E, \\z', () => {
  assert.equal(goRegexp('^[[:alpha:]]+$').test('web'), true);
  assert.equal(goRegexp('^\\Qa.b\\E$').test('a.b'), true);
  assert.equal(goRegexp('^\\Qa.b\\E$').test('axb'), false);
  assert.equal(goRegexp('web\\z').test('web\n'), false);
});

test('replacing: numbered and named groups, $$, a missing group is empty, empty matches as Go', () => {
  const pattern = goRegexp('(?P<host>[a-z]+):(\\d+)');
  assert.equal(goReplaceAll('web:80 db:5432', pattern, '$2@${host}$$ $9 $nope'), '80@web$   5432@db$  ');
  assert.equal(goReplaceAll('baaac', goRegexp('a*'), '-'), '-b-c-');
});

test('a pattern that backtracks exponentially in JavaScript runs in linear time', () => {
  // `^(a+)+$` against 40 a's and a "!" makes a backtracking engine try about 2^40 splits before
  // it fails, hours of one core; RE2 answers at once. Run in a child so that, were the engine a
  // backtracking one, the test would end at the bound with a failure rather than hang the suite.
  const script = `
    import { goRegexp, goReplaceAll } from ${JSON.stringify(new URL('../../src/template/go-regexp.ts', import.meta.url).href)};
    const hostile = 'a'.repeat(40) + '!';
    console.log(goRegexp('^(a+)+$').test(hostile), goReplaceAll(hostile, goRegexp('(a|aa)+$'), 'x') === hostile);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.signal, null, 'the match did not finish within the bound');
  assert.equal(child.stdout.trim(), 'false true', child.stderr);
});
