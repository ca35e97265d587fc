import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListen } from '../../src/lb/listen.ts';

test('accepts the listen forms Nginx takes', () => {
  for (const value of ['80', '127.0.0.1:8080', 'localhost:80', '*:80', '[::]:80', '[::1]:8080', 'unix:/run/drcon.sock']) {
    assert.equal(parseListen(value), value);
  }
});

test('rejects what could break out of the listen directive, with the value in the error', () => {
  for (const value of ['', '0', '65536', '80; include /etc/passwd', '80 ssl', '1.2.3.4:', 'unix:relative', 'unix:/a b', 'a:80{']) {
    assert.throws(() => parseListen(value), (error: Error) => error.message.startsWith(`invalid listen address "${value}"`));
  }
});
