// Every parser of text a user gives drcon (flags, environment, config files), fed arbitrary input:
// each returns a well-formed value or throws one line of its own error — never another exception
// (a TypeError, a RangeError from deep recursion) and never a message that spans lines, which the
// command line would cut to its first line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/config-error.ts';
import { maxDurationMs, parseDuration } from '../../src/config/duration.ts';
import { parseWait } from '../../src/config/wait.ts';
import { parseTemplateSpec } from '../../src/config/template-spec.ts';
import { parseConfig } from '../../src/config/config-file.ts';
import { parseConsulAddress } from '../../src/config/consul-address.ts';
import { parseListen } from '../../src/lb/listen.ts';
import { parseStatusAddress } from '../../src/config/status-address.ts';
import { booleanValueProblem, normalizeArgv } from '../../src/cli/argv.ts';

/** Any text: every UTF-16 code unit, lone surrogates and control characters included. */
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'binary-ascii', maxLength: 60 }));

/**
 * Runs `parse`: a value must pass `accept`; a throw must be an `errorClass` of one line matching
 * `message` — or, with `severalProblems`, of lines that each name one problem that way.
 */
function oneLine<T>(parse: () => T, errorClass: new (...args: never[]) => Error, accept: (value: T) => void, message: RegExp, severalProblems = false): void {
  let value: T;
  try {
    value = parse();
  } catch (error) {
    assert.ok(error instanceof errorClass, `${String(error)}`);
    const lines = error.message.split('\n');
    if (!severalProblems) assert.equal(lines.length, 1, error.message);
    for (const line of lines) {
      assert.doesNotMatch(line, /[\r\u2028\u2029]/, error.message);
      assert.match(line, message);
    }
    return;
  }
  accept(value);
}

describe('arbitrary input', () => {
  test('durations (any UTF-16 text)', () => {
    fc.assert(
      fc.property(anyText, (text) =>
        oneLine(() => parseDuration(text, '-wait'), ConfigError, (ms) => assert.ok(ms >= 0 && ms <= maxDurationMs), /^-wait: invalid duration /),
      ),
    );
  });

  test('wait windows', () => {
    const waitText = fc.oneof(anyText, fc.tuple(fc.constantFrom('', '1s', '0', '5m', 'x'), fc.constantFrom('', ':', '::'), fc.constantFrom('', '2s', '1ms', '-1s')).map((parts) => parts.join('')));
    fc.assert(
      fc.property(waitText, (text) =>
        oneLine(() => parseWait(text), ConfigError, ({ minMs, maxMs }) => assert.ok(minMs >= 0 && minMs <= maxMs && maxMs <= maxDurationMs), /^-wait: /),
      ),
    );
  });

  test('-template strings (any UTF-16 text)', () => {
    fc.assert(
      fc.property(anyText, (text) =>
        oneLine(() => parseTemplateSpec(text), ConfigError, (spec) => assert.ok(spec.source !== '' && spec.destination !== ''), /^-template ".*": /s),
      ),
    );
  });

  test('config files: any JSON value, and any text', () => {
    // Values shaped like a config often enough to reach the deeper checks.
    const setting = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('2s', '5x', '-1s', 'err', 'loud', '127.0.0.1:8500', 'http://bad host'));
    const configLike = fc.dictionary(
      fc.constantFrom('consul', 'template', 'wait', 'max_stale', 'log_level', 'vault'),
      fc.oneof(setting, fc.dictionary(fc.constantFrom('address', 'token', 'ssl', 'source', 'destination', 'command', 'min', 'max', 'ca_cert'), setting)),
    );
    const text = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      configLike.map((value) => JSON.stringify(value)),
      anyText,
    );
    fc.assert(
      // Several unsupported settings are listed one per line; the command line shows the first.
      fc.property(text, (json) => oneLine(() => parseConfig(json, 'drcon.json'), ConfigError, (settings) => assert.equal(typeof settings, 'object'), /^drcon\.json(:\d+:\d+)?: /, true)),
      { numRuns: 500 },
    );
  });

  test('config files in HCL: any text', () => {
    const hclish = fc
      .array(fc.constantFrom('consul', ' {', '}', ' = ', '"2s"', '"x', 'wait', 'template', '[', ']', ',', '\n', '#', '/*', '*/', '<<EOF\n', 'EOF', '\u0000', '1e999', '-', '.'), { maxLength: 16 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(anyText, hclish), (text) =>
        oneLine(() => parseConfig(text, 'drcon.hcl'), ConfigError, (settings) => assert.equal(typeof settings, 'object'), /^drcon\.hcl(:\d+:\d+)?: /, true),
      ),
      { numRuns: 500 },
    );
  });

  test('config files nested far too deep', () => {
    for (const text of ['['.repeat(200_000), '['.repeat(200_000) + ']'.repeat(200_000), '{"a":'.repeat(100_000) + 'x']) {
      oneLine(() => parseConfig(text, 'deep.json'), ConfigError, () => assert.fail('accepted'), /^deep\.json(:\d+:\d+)?: /);
    }
    for (const text of ['a {'.repeat(100_000), 'a = ['.repeat(100_000)]) {
      oneLine(() => parseConfig(text, 'deep.hcl'), ConfigError, () => assert.fail('accepted'), /^deep\.hcl(:\d+:\d+)?: /);
    }
  });

  test('Consul addresses (flag, CONSUL_HTTP_ADDR, config)', () => {
    const address = fc.oneof(anyText, fc.tuple(fc.constantFrom('', 'http://', 'https://', 'ftp://', '//'), anyText, fc.constantFrom('', ':8500', ':0', ':99999', '/path')).map((parts) => parts.join('')));
    fc.assert(fc.property(address, (text) => oneLine(() => parseConsulAddress(text), Error, (url) => assert.match(url, /^https?:\/\//), /^invalid Consul address /)));
  });

  test('listen addresses: accepted only when safe to write into an Nginx directive', () => {
    const listen = fc.oneof(anyText, fc.tuple(fc.constantFrom('', '127.0.0.1:', '[::1]:', '*:', 'unix:/', 'unix:'), anyText).map((parts) => parts.join('')));
    fc.assert(
      fc.property(listen, (text) =>
        oneLine(() => parseListen(text), Error, (value) => assert.doesNotMatch(value, /[\s;{}'"#$\\]/), /^invalid listen address /),
      ),
    );
  });

  test('status addresses', () => {
    fc.assert(fc.property(anyText, (text) => oneLine(() => parseStatusAddress(text, '-status-addr'), Error, () => {}, /^-status-addr: invalid address /)));
  });

  test('command lines: boolean flags given a value', () => {
    const arg = fc.oneof(anyText, fc.tuple(fc.constantFrom('-once', '--dry', '-once=', '--once='), anyText).map((parts) => parts.join('')));
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 5 }), (args) => {
        const problem = booleanValueProblem(normalizeArgv(args), ['once', 'dry']);
        if (problem !== undefined) assert.doesNotMatch(problem, /[\n\r]/);
      }),
    );
  });
});
