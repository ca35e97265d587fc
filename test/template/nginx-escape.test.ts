import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import Handlebars from 'handlebars';
import { escapeNginxToken } from '../../src/template/nginx-escape.ts';
import type { DataSource } from '../../src/template/render-context.ts';
import { Template } from '../../src/template/template.ts';
import { TemplateError } from '../../src/template/template-error.ts';

function dataSource(values: Record<string, unknown>): DataSource {
  const byId = new Map(Object.entries(values));
  return { get: (dependency) => (byId.has(dependency.id) ? { value: byId.get(dependency.id) } : undefined) };
}

const render = (source: string, context: object = {}, data: Record<string, unknown> = {}) =>
  Template.fromSource(source, 'test.hbs').render(dataSource(data), context).output;

/** The words of a directive as Nginx splits them: whitespace separates, `;`, `{`, `}` end one. */
function nginxTokens(text: string): string[] {
  return text.split(/\s+|[;{}]/).filter((token) => token !== '');
}

const hostile = 'a;b{c}"d\'e\\f g\nh\ti#j$k\u0000l\u007fm\u00e9n\u{1F600}o\r\n}';

describe('escapeNginxToken', () => {
  test('leaves normal values as they are', () => {
    for (const value of ['10.0.0.1', 'db-1.example.com', '8080', '/api/v1/x.y', 'a=b', 'x,y', '[::1]:80', 'a&b<c>d', 'ok%20already', 'user@host', '~*^/(a|b)']) {
      assert.equal(escapeNginxToken(value), value);
    }
  });

  test('percent-encodes what could end the token or start a block, comment, quote or variable', () => {
    const expected: [string, string][] = [
      [';', '%3B'], ['{', '%7B'], ['}', '%7D'], ['"', '%22'], ["'", '%27'], ['\\', '%5C'], ['#', '%23'], ['$', '%24'],
      [' ', '%20'], ['\n', '%0A'], ['\r', '%0D'], ['\t', '%09'], ['\u0000', '%00'], ['\u007f', '%7F'],
      ['é', '%C3%A9'], ['\u{1F600}', '%F0%9F%98%80'], ['\uD800', '%EF%BF%BD'],
    ];
    for (const [character, encoded] of expected) assert.equal(escapeNginxToken(`x${character}y`), `x${encoded}y`);
  });

  test('any text becomes one inert token of printable ASCII', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const escaped = escapeNginxToken(text);
        assert.match(escaped, /^[\x21-\x7e]*$/);
        assert.doesNotMatch(escaped, /[;{}"'\\#$]/);
        if (!/[^\x21-\x7e]|[;{}"'\\#$]/u.test(text)) assert.equal(escaped, text);
      }),
    );
  });
});

describe('{{value}} in a template', () => {
  test('a hostile tag stays one token of its directive, in #each, else, with, partials', () => {
    const source = [
      '{{#each tags}}add_header X-Tag {{this}};{{/each}}',
      '{{#each empty}}{{else}}add_header X-Else {{tag}};{{/each}}',
      '{{#with obj}}add_header X-With {{field}};{{/with}}',
      '{{#*inline "line"}}add_header X-Partial {{value}};{{/inline}}{{> line value=tag}}',
      '{{#if tag}}add_header X-If {{lookup obj "field"}};{{/if}}',
    ].join('\n');
    const output = render(source, { tags: [hostile], empty: [], tag: hostile, obj: { field: hostile } });
    const lines = output.split('\n');
    assert.equal(lines.length, 5);
    for (const line of lines) {
      const tokens = nginxTokens(line);
      assert.equal(tokens.length, 3, line);
      assert.equal(tokens[0], 'add_header');
      assert.equal(tokens[2], escapeNginxToken(hostile));
      assert.ok(line.endsWith(';'));
      assert.equal(line.match(/[;{}]/g)?.length, 1, 'only the directive\'s own ";"');
    }
  });

  test('a 10,000-character value with every dangerous character stays one token', () => {
    const long = hostile.repeat(10_000 / hostile.length + 1).slice(0, 10_000);
    const output = render('server_name {{name}};', { name: long });
    const tokens = nginxTokens(output);
    assert.equal(tokens.length, 2);
    assert.equal(tokens[0], 'server_name');
    assert.ok(tokens[1]!.length >= 10_000);
  });

  test('values from helpers are escaped too', () => {
    const output = render('{{key "k"}} {{join tags ","}} {{toLower t}}', { tags: ['a;b', 'c'], t: 'X}Y' }, { 'kv.key(k)': { exists: true, value: 'v;#' } });
    assert.equal(output, 'v%3B%23 a%3Bb,c x%7Dy');
  });

  test('no HTML escaping: & < > = ` stay as they are', () => {
    assert.equal(render('{{v}}', { v: 'a&b<c>d=e`f' }), 'a&b<c>d=e`f');
  });

  test('numbers and booleans print as text; a missing value prints nothing', () => {
    assert.equal(render('[{{n}}|{{b}}|{{missing}}|{{nothing}}]', { n: 8080, b: true, nothing: null }), '[8080|true||]');
  });

  test('{{{raw}}} and {{&raw}} print unescaped (unsafe for catalog data)', () => {
    assert.equal(render('{{{v}}} {{&v}}', { v: 'a; b{' }), 'a; b{ a; b{');
  });

  test('printing a list or an object is an error at its position', () => {
    assert.throws(() => render('x\n  {{tags}}', { tags: ['a'] }), (error: unknown) => {
      assert.ok(error instanceof TemplateError);
      assert.equal(error.message, 'test.hbs:2:3: cannot print a list here (use #each, join, or a field of it)');
      return true;
    });
    assert.throws(() => render('{{#each xs}}{{this}}{{/each}}', { xs: [{}] }), /^TemplateError: test\.hbs:1:13: cannot print an object here/);
  });

  test("the process's own Handlebars keeps HTML escaping", () => {
    render('{{v}}', { v: '<a>' });
    assert.equal(Handlebars.compile('{{v}}')({ v: '<a>' }), '&lt;a&gt;');
  });
});
