import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConsulAddress } from '../../src/config/consul-address.ts';

test('parses the address forms an operator writes', () => {
  const cases: [string, string][] = [
    ['127.0.0.1:8500', 'http://127.0.0.1:8500'],
    ['consul.service.consul', 'http://consul.service.consul:8500'],
    ['localhost:18500', 'http://localhost:18500'],
    ['  10.0.0.5  ', 'http://10.0.0.5:8500'],
    ['http://10.0.0.5:8500', 'http://10.0.0.5:8500'],
    ['http://10.0.0.5:8500/', 'http://10.0.0.5:8500'],
    ['HTTPS://Consul.Example.com:8501', 'https://consul.example.com:8501'],
    ['https://consul.example.com', 'https://consul.example.com'],
    ['http://consul.example.com', 'http://consul.example.com'],
    ['[::1]:8500', 'http://[::1]:8500'],
    ['[::1]', 'http://[::1]:8500'],
    ['https://[fe80::1]:8501', 'https://[fe80::1]:8501'],
  ];
  for (const [input, origin] of cases) assert.equal(parseConsulAddress(input), origin, input);
});

test('refuses bad addresses with a one-line error naming the address', () => {
  const cases: [string, RegExp][] = [
    ['', /is empty/],
    ['x:y:z', /IPv6 address must be in brackets/],
    ['::1', /IPv6 address must be in brackets/],
    ['[not-ipv6]:8500', /is not an IPv6 address/],
    ['host:port', /port "port" is not a number/],
    ['host:', /port "" is not a number/],
    ['host:0', /port 0 is out of range/],
    ['host:70000', /port 70000 is out of range/],
    [':8500', /host is missing/],
    ['unix:///var/run/consul.sock', /scheme "unix" is not supported/],
    ['ftp://host:21', /scheme "ftp" is not supported/],
    ['http://host:8500/v1', /no path/],
    ['http://user@host:8500', /no path, query or user/],
    ['host name', /no path, query or user/],
    ['bad_host!', /is not a host name/],
    ['999.1.1.1', /is not a host name or IP address/],
    ['1.2.3', /is not a host name or IP address/],
    ['a..b:8500', /is not a host name or IP address/],
    ['-consul', /is not a host name or IP address/],
  ];
  for (const [input, reason] of cases) {
    assert.throws(
      () => parseConsulAddress(input),
      (error: Error) => {
        assert.ok(error.message.startsWith(`invalid Consul address ${JSON.stringify(input)}: `), error.message);
        assert.match(error.message, reason);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      },
      input,
    );
  }
});
