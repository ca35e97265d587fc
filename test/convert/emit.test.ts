import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { convertTemplate } from '../../src/convert/convert.ts';
import { escapeText } from '../../src/convert/emit.ts';
import { Template } from '../../src/template/template.ts';
import { dataSource, renderConverted } from './render-converted.ts';

const renderHandlebars = (source: string, data: Record<string, unknown> = {}) =>
  Template.fromSource(source, 'emitted.hbs').render(dataSource(data)).output;

describe('text', () => {
  test('any text Handlebars would read as tags or escapes prints as it is, alone or before a tag', () => {
    const text = fc.array(fc.constantFrom('{', '}', '{{', '\\', 'a', ' ', '\n'), { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (value) => {
        // A lone "{" right before a tag is printed by a tag of its own (emit.ts), not escaped.
        fc.pre(!value.split('{{').pop()!.endsWith('{'));
        assert.equal(renderHandlebars(escapeText(value, false)), value);
        assert.equal(renderHandlebars(`${escapeText(value, true)}{{key "k"}}`, { 'kv.key(k)': { exists: true, value: 'v' } }), `${value}v`);
      }),
      { numRuns: 500 },
    );
  });

  test('printed constants and braces next to tags', () => {
    const data = { 'kv.key(k)': { exists: true, value: 'v' } };
    assert.equal(renderConverted('{{"{"}}{{key "k"}}}}{{"{{"}}{{key "k"}}', data), '{v}}{{v');
    assert.equal(renderConverted('a {{key "k"}}}', data), 'a v}');
    assert.equal(renderConverted('{{"a\\\\"}}{{key "k"}} \\{{key "k"}}', data), 'a\\v \\v');
  });

  test('string parameters with quotes of both kinds', () => {
    const source = '{{if eq (key "q") "a\\"b\'c"}}both{{end}}{{if eq (key "q") "a\\"b"}}{{else}} double{{end}}';
    assert.equal(renderConverted(source, { 'kv.key(q)': { exists: true, value: 'a"b\'c' } }), 'both double');
  });
});

describe('standalone guards', () => {
  test('only tags Handlebars would treat as standalone get one', () => {
    const { output } = convertTemplate('{{range service "a"}}x{{end}}\n  {{range service "a"}}\n  y\n  {{end}}\n{{/* c */}}{{if key "k"}}z{{end}}');
    assert.equal(output, '{{#each (service "a")}}x{{/each}}\n  {{#each (service "a")}}{{!}}\n  y\n  {{/each}}{{!}}\n{{!-- c --}}{{#if (key "k")}}z{{/if}}');
  });

  test('a guard after a tag with ~ carries the ~, so it still trims', () => {
    const source = 'a\n  {{range service "a" -}}\n  b\n  {{end}}\n';
    const { output } = convertTemplate(source);
    assert.equal(output, 'a\n  {{#each (service "a")}}{{!~}}\n  b\n  {{/each}}{{!}}\n');
    const two = { 'health.service(a|passing)': [{ Address: 'x' }, { Address: 'y' }] };
    assert.equal(renderHandlebars(output, two), 'a\n  b\n  b\n  \n');
  });
});
