// Reusing the output of list-only #each blocks: the same text as a full render, fewer reads of the
// data, and never reuse where the body reads something besides its list.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from '../../src/template/render-context.ts';
import { Template } from '../../src/template/template.ts';

const noData: DataSource = { get: () => undefined };

/** Instances whose Address reads are counted. */
function countedList(name: string, size: number, reads: { count: number }): object[] {
  return Array.from({ length: size }, (_, index) => ({
    get Address() {
      reads.count += 1;
      return `${name}-${index}`;
    },
    Port: 8000 + index,
  }));
}

describe('list-only #each blocks', () => {
  test('a list rendered before is not read again, and the text is what a full render writes', () => {
    const source = '{{#each upstreams}}upstream {{name}} { {{#each servers}}server {{Address}}:{{Port}};{{else}}down;{{/each}} }\n{{/each}}';
    const reads = { count: 0 };
    const lists = ['a', 'b', 'c'].map((name) => ({ name, servers: countedList(name, 3, reads) }));
    const template = Template.fromSource(source, 'memo.hbs');
    const first = template.render(noData, { upstreams: lists }).output;
    assert.equal(reads.count, 9);

    // A new outer list (its body reads `name`, outside the inner lists), one inner list replaced.
    const replaced = [lists[0]!, { name: 'b', servers: countedList('b2', 2, reads) }, lists[2]!];
    const second = template.render(noData, { upstreams: replaced }).output;
    assert.equal(reads.count, 11, 'only the two new instances were read');
    assert.equal(second, first.replace(/server b-0:8000;server b-1:8001;server b-2:8002;/, 'server b2-0:8000;server b2-1:8001;'));

    const fresh = Template.fromSource(source, 'fresh.hbs').render(noData, { upstreams: replaced }).output;
    assert.equal(second, fresh);
  });

  test('a body that reads outside its list is rendered every time', () => {
    const list = [{ Address: '10.0.0.1' }];
    const cases: { source: string; before: object; after: object }[] = [
      // A parent's field.
      { source: '{{#each groups}}{{#each items}}{{../name}}={{Address}} {{/each}}{{/each}}', before: { groups: [{ name: 'a', items: list }] }, after: { groups: [{ name: 'b', items: list }] } },
      // The root.
      { source: '{{#each items}}{{@root.name}}={{Address}} {{/each}}', before: { name: 'a', items: list }, after: { name: 'b', items: list } },
      // A block parameter of an enclosing block.
      { source: '{{#each groups as |group|}}{{#each group.items}}{{group.name}}={{Address}} {{/each}}{{/each}}', before: { groups: [{ name: 'a', items: list }] }, after: { groups: [{ name: 'b', items: list }] } },
      // The enclosing block's @index.
      { source: '{{#each groups}}{{#each this}}{{@../index}}={{Address}} {{/each}}{{/each}}', before: { groups: [list] }, after: { groups: [[], list] } },
    ];
    for (const { source, before, after } of cases) {
      const template = Template.fromSource(source, 'outer.hbs');
      const first = template.render(noData, before).output;
      const second = template.render(noData, after).output;
      const fresh = Template.fromSource(source, 'fresh.hbs').render(noData, after).output;
      assert.equal(second, fresh, source);
      assert.notEqual(second.trim(), first.trim(), source);
    }
  });

  test('a body calling a helper that reads more than its arguments is rendered every time', () => {
    const template = Template.fromSource('{{#each items}}{{env "ZONE"}}:{{Address}} {{/each}}', 'env.hbs');
    const items = [{ Address: '10.0.0.1' }];
    assert.equal(template.render(noData, { items }, { env: { ZONE: 'a' } }).output, 'a:10.0.0.1 ');
    assert.equal(template.render(noData, { items }, { env: { ZONE: 'b' } }).output, 'b:10.0.0.1 ');
  });
});
