import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DataSource } from '../../src/template/render-context.ts';
import { Template } from '../../src/template/template.ts';
import { TemplateError } from '../../src/template/template-error.ts';

function dataSource(values: Map<string, unknown>): DataSource {
  return { get: (dependency) => (values.has(dependency.id) ? { value: values.get(dependency.id) } : undefined) };
}

const ids = (dependencies: { id: string }[]) => dependencies.map((dependency) => dependency.id);

/** Asserts that loading `source` fails with exactly `message` (file:line:col: problem). */
function assertLoadError(source: string, message: string): void {
  assert.throws(
    () => Template.fromSource(source, 'site.hbs'),
    (error: unknown) => {
      assert.ok(error instanceof TemplateError, String(error));
      assert.equal(error.message, message);
      return true;
    },
  );
}

describe('rendering with data that arrives over time', () => {
  test('discovers dependencies pass by pass: (services), then (service Name) for each', () => {
    const template = Template.fromSource(
      '{{#each (services)}}upstream {{identifier Name}} {{#each (service Name)}}{{Address}};{{else}}none;{{/each}}\n{{/each}}',
      'lb.hbs',
    );
    const data = new Map<string, unknown>();

    const first = template.render(dataSource(data));
    assert.equal(first.complete, false);
    assert.deepEqual(ids(first.missing), ['catalog.services()']);
    assert.equal(first.output, '');

    data.set('catalog.services()', [{ Name: 'api', Tags: [] }, { Name: 'web', Tags: [] }]);
    const second = template.render(dataSource(data));
    assert.equal(second.complete, false);
    assert.deepEqual(ids(second.missing), ['health.service(api|passing)', 'health.service(web|passing)']);
    assert.deepEqual(ids(second.used), ['catalog.services()', 'health.service(api|passing)', 'health.service(web|passing)']);

    data.set('health.service(api|passing)', [{ Address: '10.0.0.1' }]);
    data.set('health.service(web|passing)', []);
    const third = template.render(dataSource(data));
    assert.equal(third.complete, true);
    assert.deepEqual(third.missing, []);
    assert.equal(third.output, 'upstream api 10.0.0.1;\nupstream web none;\n');
  });

  test('a key that does not exist holds the render back and is listed once', () => {
    const template = Template.fromSource('a={{key "config/a"}} again={{key "/config/a"}} b={{keyOrDefault "config/b" "dflt"}}', 'kv.hbs');
    const data = new Map<string, unknown>([
      ['kv.key(config/a)', { exists: false, value: '' }],
      ['kv.key(config/b)', { exists: false, value: '' }],
    ]);
    const waiting = template.render(dataSource(data));
    assert.equal(waiting.complete, false);
    assert.deepEqual(waiting.missing, []);
    assert.deepEqual(waiting.waitingForKeys, ['config/a']);

    data.set('kv.key(config/a)', { exists: true, value: '1' });
    const done = template.render(dataSource(data));
    assert.equal(done.complete, true);
    assert.equal(done.output, 'a=1 again=1 b=dflt');
  });

  test('ls and tree of a prefix with nothing in it render nothing and are complete', () => {
    const template = Template.fromSource('[{{#each (ls "x")}}{{Key}}{{/each}}{{#each (tree "x")}}{{Key}}{{/each}}]', 'kv.hbs');
    const result = template.render(dataSource(new Map([['kv.list(x/)', []]])));
    assert.deepEqual([result.output, result.complete], ['[]', true]);
  });

  test('the root context is the caller\'s; renders share nothing', () => {
    const template = Template.fromSource('listen {{listen}};{{#each (services)}}{{@root.listen}}{{/each}}', 'lb.hbs');
    const withData = template.render(dataSource(new Map([['catalog.services()', [{ Name: 'a', Tags: [] }]]])), { listen: 8080 });
    const without = template.render(dataSource(new Map()), { listen: 9090 });
    assert.equal(withData.output, 'listen 8080;8080');
    assert.deepEqual([without.output, without.complete], ['listen 9090;', false]);
  });
});

describe('errors name file:line:col', () => {
  test('an unknown helper is refused when the template loads', () => {
    assertLoadError('server {{Address}};\n  {{#each (servce "web")}}{{/each}}', 'site.hbs:2:11: unknown helper "servce"');
    assertLoadError('{{lower Name}}', 'site.hbs:1:1: unknown helper "lower"');
    assertLoadError('{{#unknownBlock x}}{{/unknownBlock}}', 'site.hbs:1:1: unknown helper "unknownBlock"');
    assertLoadError('{{a.b x}}', 'site.hbs:1:1: unknown helper "a.b"');
    assertLoadError('{{__drconPrint x}}', 'site.hbs:1:1: unknown helper "__drconPrint"');
  });

  test('a known helper used the wrong way is refused when the template loads', () => {
    assertLoadError('{{#service "web"}}{{/service}}', 'site.hbs:1:1: service is not a block helper: use it as a value, e.g. {{#each (service …)}}');
    assertLoadError('{{each xs}}', 'site.hbs:1:1: each is a block helper: write {{#each …}}…{{/each}}');
    assertLoadError('{{key}}', 'site.hbs:1:1: key takes 1 parameter (key), got 0');
    assertLoadError('{{keyOrDefault "a" "b" "c"}}', 'site.hbs:1:1: keyOrDefault takes 2 parameters (key, default), got 3');
    assertLoadError('{{#each (service "web" tags="x")}}{{/each}}', 'site.hbs:1:24: service has no option tags= (known: tag, dc, filter)');
    assertLoadError('{{#if}}{{/if}}', 'site.hbs:1:1: if takes 1 parameter (condition), got 0');
    assertLoadError('{{#*wrap "x"}}{{/wrap}}', 'site.hbs:1:1: only {{#*inline "name"}} decorators are supported');
    assertLoadError('{{> missing}}', 'site.hbs:1:1: unknown partial "missing" (define it with {{#*inline "missing"}})');
  });

  test('a syntax error points at the offending token', () => {
    assertLoadError('line one\nserver {{Address}:{{Port}};', 'site.hbs:2:17: syntax error: unexpected invalid text');
    assertLoadError('a\n{{foo bar=}}', 'site.hbs:2:11: syntax error: unexpected "}}"');
    assertLoadError('{{#each xs}}\n{{else}}{{else}}{{/each}}', 'site.hbs:2:9: syntax error: unexpected "{{else}}"');
    assertLoadError('{{#each xs}}\n{{/if}}', 'site.hbs:1:4: each doesn\'t match if');
  });

  test('a consul-template template loaded as it is gets the way to translate it', () => {
    const hint = ' (this reads like a consul-template template: translate it with `drcon convert site.hbs`)';
    assertLoadError('upstream web {\n{{range service "web"}}server {{.Address}};{{end}}\n}', `site.hbs:2:33: syntax error: unexpected "." or "/"${hint}`);
    assertLoadError('{{range services}}{{end}}', `site.hbs:1:1: unknown helper "range"${hint}`);
    assertLoadError('{{- key "a" -}}', `site.hbs:1:1: unknown helper "-"${hint}`);
    // A Handlebars mistake gets no such hint.
    assertLoadError('{{#each (service "web")}}{{/if}}', 'site.hbs:1:4: each doesn\'t match if');
  });

  test('a template that includes itself fails with a TemplateError instead of ending the process', () => {
    const template = Template.fromSource('{{#*inline "loop"}}x{{> loop}}{{/inline}}{{> loop}}', 'loop.hbs');
    assert.throws(() => template.render(dataSource(new Map())), /^TemplateError: loop\.hbs:1:21: partial "loop" includes itself without end/);
  });

  test('any input either loads or fails with a one-line TemplateError', () => {
    const junk = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.array(fc.constantFrom('{{', '}}', '{{#each x}}', '{{/each}}', '{{else}}', '(', ')', '"', '=', 'a', ' ', '\n', '\u0000', '{{>', '}}}', '{{{', '#', '/', '@', '|'), { maxLength: 20 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(junk, (source) => {
        try {
          Template.fromSource(source, 'junk.hbs');
        } catch (error) {
          assert.ok(error instanceof TemplateError, `${String(error)} for ${JSON.stringify(source)}`);
          assert.match(error.message, /^junk\.hbs(:\d+:\d+)?: [^\n\r]+$/);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Template.fromFile', () => {
  test('loads a file and names it in errors', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'drcon-template-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const good = join(dir, 'good.hbs');
    const bad = join(dir, 'bad.hbs');
    await writeFile(good, 'worker_connections {{keyOrDefault "wc" "512"}};\n');
    await writeFile(bad, '\n\n   {{nope 1}}');
    const template = await Template.fromFile(good);
    assert.equal(template.name, good);
    assert.equal(template.render(dataSource(new Map([['kv.key(wc)', { exists: false, value: '' }]]))).output, 'worker_connections 512;\n');
    await assert.rejects(Template.fromFile(bad), { name: 'TemplateError', message: `${bad}:3:4: unknown helper "nope"` });
    await assert.rejects(Template.fromFile(join(dir, 'absent.hbs')), (error: unknown) => {
      assert.ok(error instanceof TemplateError);
      assert.match(error.message, /absent\.hbs: cannot read the template: ENOENT/);
      return true;
    });
  });
});
