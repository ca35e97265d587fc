import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseTemplateSpec } from '../../src/config/template-spec.ts';

describe('parseTemplateSpec', () => {
  const valid: [string, object][] = [
    ['in.hbs:out.conf', { source: 'in.hbs', destination: 'out.conf' }],
    ['in.hbs:out.conf:nginx -s reload', { source: 'in.hbs', destination: 'out.conf', command: 'nginx -s reload' }],
    // Everything after the second colon is the command, colons included.
    [
      'a.hbs:/etc/b.conf:curl -s http://127.0.0.1:8080/reload',
      { source: 'a.hbs', destination: '/etc/b.conf', command: 'curl -s http://127.0.0.1:8080/reload' },
    ],
    ['a.hbs: b.conf :  ', { source: 'a.hbs', destination: 'b.conf' }],
    ['a.hbs:b.conf:', { source: 'a.hbs', destination: 'b.conf' }],
  ];
  for (const [text, spec] of valid) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseTemplateSpec(text), spec));
  }

  const invalid: [string, string][] = [
    ['in.hbs', '-template "in.hbs": missing destination (expected source:destination[:command])'],
    [':out.conf', '-template ":out.conf": empty source (expected source:destination[:command])'],
    ['in.hbs:', '-template "in.hbs:": empty destination (expected source:destination[:command])'],
    ['in.hbs::reload', '-template "in.hbs::reload": empty destination (expected source:destination[:command])'],
    ['', '-template "": missing destination (expected source:destination[:command])'],
  ];
  for (const [text, message] of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseTemplateSpec(text), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.message, message);
        return true;
      });
    });
  }

  const path = fc.stringMatching(/^[^:\s](?:[^:\n]*[^:\s])?$/);
  it('reads back source, destination and any command joined with colons', () => {
    fc.assert(
      fc.property(path, path, fc.option(fc.string(), { nil: undefined }), (source, destination, command) => {
        const text = command === undefined ? `${source}:${destination}` : `${source}:${destination}:${command}`;
        const spec = parseTemplateSpec(text);
        assert.equal(spec.source, source);
        assert.equal(spec.destination, destination);
        assert.equal(spec.command, command?.trim() || undefined);
      }),
    );
  });

  it('for any text, returns non-empty paths or throws one line', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const spec = parseTemplateSpec(text);
          assert.ok(spec.source !== '' && spec.destination !== '');
          assert.ok(!spec.source.includes(':') && !spec.destination.includes(':'));
        } catch (error) {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /^-template ".*": .+ \(expected source:destination\[:command\]\)$/);
          assert.doesNotMatch(error.message, /[\n\r]/);
        }
      }),
    );
  });
});
