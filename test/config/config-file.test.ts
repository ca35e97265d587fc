import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { loadConfigFile, parseConfig } from '../../src/config/config-file.ts';

const rejects = (text: string, message: string): void => {
  assert.throws(() => parseConfig(text, 'config.json'), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.message, message);
    return true;
  });
};

describe('parseConfig', () => {
  it('reads every supported setting', () => {
    const text = JSON.stringify({
      consul: { address: 'consul.service:8500', token: 'secret', ssl: { ca_cert: 'ca.pem' } },
      template: [
        {
          source: 'nginx.hbs',
          destination: 'nginx.conf',
          command: 'nginx -s reload',
          command_timeout: '10s',
          wait: { min: '1s', max: '5s' },
          check: 'nginx -t',
        },
        { source: 'b.hbs', destination: 'b.conf', wait: '2s' },
      ],
      wait: '500ms:2s',
      max_stale: '5s',
      log_level: 'debug',
    });
    assert.deepEqual(parseConfig(text, 'config.json'), {
      consulAddresses: ['consul.service:8500'],
      token: 'secret',
      caFile: 'ca.pem',
      templates: [
        {
          source: 'nginx.hbs',
          destination: 'nginx.conf',
          command: 'nginx -s reload',
          commandTimeoutMs: 10_000,
          wait: { minMs: 1000, maxMs: 5000 },
          check: 'nginx -t',
        },
        { source: 'b.hbs', destination: 'b.conf', wait: { minMs: 2000, maxMs: 8000 } },
      ],
      wait: { minMs: 500, maxMs: 2000 },
      maxStaleMs: 5000,
      logLevel: 'debug',
    });
  });

  it('reads an empty object as no settings', () => {
    assert.deepEqual(parseConfig('{}', 'config.json'), {});
  });

  it('accepts a single template block, several addresses, a wait block without max and "err"', () => {
    const text = JSON.stringify({
      consul: { address: ['a:8500', 'b:8500'] },
      template: { source: 'a', destination: 'b', command: '  ' },
      wait: { min: '1s' },
      log_level: 'ERR',
    });
    assert.deepEqual(parseConfig(text, 'config.json'), {
      consulAddresses: ['a:8500', 'b:8500'],
      templates: [{ source: 'a', destination: 'b' }], // a blank command is no command
      wait: { minMs: 1000, maxMs: 4000 },
      logLevel: 'error',
    });
  });

  it('refuses unsupported settings by name', () => {
    rejects('{"vault": {}}', 'config.json: unsupported setting "vault"');
    rejects('{"consul": {"retry": {}}}', 'config.json: unsupported setting "consul.retry"');
    rejects('{"consul": {"ssl": {"verify": false}}}', 'config.json: unsupported setting "consul.ssl.verify"');
    rejects(
      '{"template": [{"source": "a", "destination": "b"}, {"source": "a", "destination": "c", "perms": "0600"}]}',
      'config.json: unsupported setting "template[1].perms"',
    );
    rejects('{"wait": {"min": "1s", "maxx": "2s"}}', 'config.json: unsupported setting "wait.maxx"');
  });

  it('refuses values of the wrong kind, naming the setting', () => {
    rejects('[]', 'config.json: must be an object');
    rejects('{"consul": "x"}', 'config.json: "consul" must be an object');
    rejects('{"consul": {"token": 5}}', 'config.json: "consul.token" must be a string');
    rejects('{"consul": {"address": []}}', 'config.json: "consul.address" must not be empty');
    rejects('{"template": [{"source": "a"}]}', 'config.json: "template[0]" needs "destination"');
    rejects('{"template": [{"source": " ", "destination": "b"}]}', 'config.json: "template[0].source" must not be empty');
    rejects('{"template": [3]}', 'config.json: "template[0]" must be an object');
    rejects('{"log_level": "loud"}', 'config.json: "log_level" must be one of trace, debug, info, warn, error');
    rejects('{"wait": {"max": "1s"}}', 'config.json: "wait" needs "min"');
  });

  it('refuses bad durations and windows with the duration message', () => {
    rejects('{"max_stale": "5"}', 'config.json: max_stale: invalid duration "5" (missing unit, e.g. 5s)');
    rejects('{"max_stale": 5}', 'config.json: "max_stale" must be a string');
    rejects(
      '{"template": [{"source": "a", "destination": "b", "command_timeout": "x"}]}',
      'config.json: template[0].command_timeout: invalid duration "x" (unknown unit "x"; expected e.g. 500ms, 2s, 1m)',
    );
    rejects('{"wait": "5s:1s"}', 'config.json: wait: invalid wait "5s:1s" (max is less than min)');
    rejects(
      '{"wait": {"min": "5s", "max": "1s"}}',
      'config.json: wait: invalid wait "{\\"min\\":\\"5s\\",\\"max\\":\\"1s\\"}" (max is less than min)',
    );
  });

  it('reports JSON syntax errors as file:line:col', () => {
    rejects('{\n  "wait": "2s"\n  "max_stale": "1s"\n}', "config.json:3:3: expected ',' or '}' after property value");
    rejects('{\n  "consul": {\n    "token": tru\n  }\n}', 'config.json:3:17: unexpected token "\\n"'); // V8 stops at the line break after "tru"
    rejects('{"a": tru}', "config.json:1:10: unexpected token '}'");
    rejects('{"wait": x}', "config.json:1:10: unexpected token 'x'");
    rejects('{\n  "a": 1,', 'config.json:2:10: expected double-quoted property name');
    rejects('', 'config.json:1:1: unexpected end of input');
    rejects('consul {\n  address = "x"\n}', "config.json:1:1: unexpected token 'c'");
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtemp(join(tmpdir(), 'drcon-config-'));
  after(async () => rm(await dir, { recursive: true, force: true }));

  it('reads a file', async () => {
    const file = join(await dir, 'drcon.json');
    await writeFile(file, '{"max_stale": "3s"}');
    assert.deepEqual(await loadConfigFile(file), { maxStaleMs: 3000 });
  });

  it('ignores a byte order mark', async () => {
    const file = join(await dir, 'bom.json');
    await writeFile(file, '\uFEFF{"log_level": "warn"}');
    assert.deepEqual(await loadConfigFile(file), { logLevel: 'warn' });
  });

  it('names the file it cannot read', async () => {
    const file = join(await dir, 'missing.json');
    await assert.rejects(loadConfigFile(file), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, `${file}: cannot read the config file (ENOENT)`);
      return true;
    });
  });
});
