// A tag closing right before an Nginx "}" — `{{/each}}}` — is the tag and then the brace.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Handlebars from 'handlebars';
import { Template } from '../../src/template/template.ts';

const render = (source: string, context: object = {}) =>
  Template.fromSource(source, 'site.hbs').render({ get: () => undefined }, context).output;

describe('braces after a tag', () => {
  test('a block closing right before an Nginx brace', () => {
    const source = 'upstream u { {{#each xs}}server {{this}};{{/each}}}\nserver { {{#if on}}x;{{/if}}}}';
    assert.equal(render(source, { xs: ['a', 'b'], on: true }), 'upstream u { server a;server b;}\nserver { x;}}');
  });

  test('a value, an else and a ~ before braces', () => {
    assert.equal(render('{ {{v}}}', { v: 'a' }), '{ a}');
    assert.equal(render('{{v}}}}}', { v: 'a' }), 'a}}}');
    assert.equal(render('{{#if f}}x{{else}}}y{{/if~}}}', { f: false }), '}y}');
  });

  test('triple-stashes close as before, and keep a brace after them', () => {
    assert.equal(render('{{{v}}} {{{v}}}}', { v: 'a;' }), 'a; a;}');
  });

  test('a brace given back leaves the positions of later errors as they were', () => {
    const error = (source: string) => {
      try {
        Template.fromSource(source, 'site.hbs');
      } catch (thrown) {
        return (thrown as Error).message;
      }
      return 'loaded';
    };
    assert.equal(error('{{v}}}\n  {{foo bar=}}'), 'site.hbs:2:13: syntax error: unexpected "}}"');
    assert.equal(error('{{v}}}}\n  {{foo bar=}}'), 'site.hbs:2:13: syntax error: unexpected "}}"');
    assert.equal(error('{{{v}}}}\n{{{w}}'), 'site.hbs:2:5: syntax error: unexpected "}}"');
  });

  test('the process-wide Handlebars keeps its own grammar', () => {
    render('{{#each xs}}{{/each}}}');
    assert.throws(() => Handlebars.parse('{{#each xs}}{{/each}}}'), /Expecting 'CLOSE'/);
  });
});
