import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatusAddress, parseStatusAddress } from '../../src/config/status-address.ts';

describe('parseStatusAddress', () => {
  it('reads HOST:PORT with a name, IPv4 or bracketed IPv6 host', () => {
    assert.deepEqual(parseStatusAddress('127.0.0.1:9600', '-status-addr'), { host: '127.0.0.1', port: 9600 });
    assert.deepEqual(parseStatusAddress('localhost:80', '-status-addr'), { host: 'localhost', port: 80 });
    assert.deepEqual(parseStatusAddress('[::1]:9600', '-status-addr'), { host: '::1', port: 9600 });
    assert.deepEqual(parseStatusAddress('0.0.0.0:0', '-status-addr'), { host: '0.0.0.0', port: 0 });
  });

  it('reads "" and off as off', () => {
    assert.equal(parseStatusAddress('', '-status-addr'), 'off');
    assert.equal(parseStatusAddress('OFF', '-status-addr'), 'off');
  });

  it('refuses anything else, naming the flag', () => {
    for (const text of ['9600', ':9600', 'host', 'host:', 'host:99999', '[nothost]:1', '::1:9600', 'a b:1', 'http://x:1']) {
      assert.throws(() => parseStatusAddress(text, 'STATUS_ADDR'), /^Error: STATUS_ADDR: invalid address /, text);
    }
  });

  it('formats an address as it is read', () => {
    for (const text of ['127.0.0.1:9600', '[::1]:9600', 'localhost:1']) {
      const address = parseStatusAddress(text, 'x');
      assert.notEqual(address, 'off');
      if (address !== 'off') assert.equal(formatStatusAddress(address), text);
    }
  });
});
