// Which -exec command strings the shell execs (the program becomes drcon's child and gets its
// signals) and which keep the shell (compound commands).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellCommand } from '../../src/process/shell-words.ts';

test('a single command is exec\'d, quoted operators and all', () => {
  for (const command of ['sleep 300', 'app --x=1 > log', `node -e "process.on('SIGHUP', () => {}); setInterval(() => {}, 1000)"`, "a 'x;y'", 'a "b\\"c;d"', 'a \\; b']) {
    assert.equal(shellCommand(command), `exec ${command}`, command);
  }
});

test('a compound command, an assignment or a reserved word keeps the shell', () => {
  for (const command of ['a; b', 'a && b', 'a | b', 'sleep 1 & wait', 'a\nb', '$(which app) -v', 'app `x`', 'FOO=1 app', 'if true; then x; fi', '{ a; }', '! a', 'exec app', '']) {
    assert.equal(shellCommand(command), command, command);
  }
});
