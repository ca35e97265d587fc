import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from '../../src/template/render-context.ts';
import { Template, type RenderResult } from '../../src/template/template.ts';
import { nginxIdentifier } from '../../src/template/nginx-identifier.ts';

function dataSource(values: Record<string, unknown>): DataSource {
  const byId = new Map(Object.entries(values));
  return { get: (dependency) => (byId.has(dependency.id) ? { value: byId.get(dependency.id) } : undefined) };
}

function run(source: string, data: Record<string, unknown> = {}, context: object = {}): RenderResult {
  return Template.fromSource(source, 'test.hbs').render(dataSource(data), context, { env: { HOME: '/home/drcon' } });
}

const render = (source: string, data: Record<string, unknown> = {}, context: object = {}) => run(source, data, context).output;

const instance = (id: string, address: string, port: number, tags: string[] = []) => ({ ID: id, Name: 'simple', Address: address, Port: port, Tags: tags });

describe('Consul data helpers', () => {
  test('service: each instance, else a placeholder', () => {
    const source = '{{#each (service "simple")}}server {{Address}}:{{Port}};{{else}}server 127.0.0.1:65535;{{/each}}';
    assert.equal(render(source, { 'health.service(simple|passing)': [] }), 'server 127.0.0.1:65535;');
    assert.equal(
      render(source, { 'health.service(simple|passing)': [instance('a', '10.0.0.1', 80), instance('b', '10.0.0.2', 81)] }),
      'server 10.0.0.1:80;server 10.0.0.2:81;',
    );
  });

  test('service with a name from the data and hash options', () => {
    const result = run('{{#each (services)}}{{#each (service Name tag="blue" dc="dc1" filter="any")}}{{ID}}{{/each}}{{/each}}', {
      'catalog.services()': [{ Name: 'CAS Client Service', Tags: [] }],
      'health.service(blue.CAS Client Service@dc1|any)': [instance('cas-1', '10.0.0.1', 80)],
    });
    assert.equal(result.output, 'cas-1');
    assert.ok(result.complete);
  });

  test('services: names and tags', () => {
    const output = render('{{#each (services)}}{{Name}} {{#each Tags}}{{this}} {{/each}}{{/each}}', {
      'catalog.services()': [{ Name: 'api', Tags: ['a', 'b'] }, { Name: 'web', Tags: [] }],
    });
    assert.equal(output, 'api a b web ');
  });

  test('services and nodes take dc=', () => {
    const result = run('{{#each (services dc="dc2")}}{{Name}}{{/each}} {{#each (nodes dc="dc2")}}{{Node}}{{/each}}', {
      'catalog.services(@dc2)': [{ Name: 'far', Tags: [] }],
      'catalog.nodes(@dc2)': [{ Node: 'n9', Address: '10.9.0.1' }],
    });
    assert.equal(result.output, 'far n9');
  });

  test('key and keyOrDefault', () => {
    const output = render('{{key "config/nginx/worker_connections"}}  {{keyOrDefault "config/x" "fallback"}} {{keyOrDefault "config/y" "unused"}}', {
      'kv.key(config/nginx/worker_connections)': { exists: true, value: '1024' },
      'kv.key(config/x)': { exists: false, value: '' },
      'kv.key(config/y)': { exists: true, value: 'set' },
    });
    assert.equal(output, '1024  fallback set');
  });

  test('ls: direct children; tree: every entry', () => {
    const data = {
      'kv.list(config/app/)': [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
        { Key: 'sub/c', Value: '3' },
      ],
    };
    assert.equal(render('{{#each (ls "config/app")}}{{Key}}={{Value}} {{/each}}', data), 'a=1 b=2 ');
    assert.equal(render('{{#each (tree "config/app")}}{{Key}}={{Value}} {{/each}}', data), 'a=1 b=2 sub/c=3 ');
    const both = run('{{#each (ls "config/app")}}{{/each}}{{#each (tree "config/app/")}}{{/each}}', data);
    assert.deepEqual(both.used.map((dependency) => dependency.id), ['kv.list(config/app/)'], 'one fetch serves both');
  });

  test('nodes and env', () => {
    const output = render('{{#each (nodes)}}{{Node}} {{Address}}{{/each}}   {{env "HOME"}}|{{env "NOT_SET"}}', {
      'catalog.nodes()': [{ Node: 'n1', Address: '10.0.0.1' }],
    });
    assert.equal(output, 'n1 10.0.0.1   /home/drcon|');
  });

  test('a bad query is an error at the call', () => {
    assert.throws(() => render('\n{{#each (service "web|sick")}}{{/each}}'), /^TemplateError: test\.hbs:2:9: service: service query "web\|sick": unknown status "sick"/);
    assert.throws(() => render('{{key "a/../b"}}'), /^TemplateError: test\.hbs:1:1: key: key "a\/\.\.\/b": "\." and "\.\." are not allowed/);
    assert.throws(() => render('{{#each (services dc="a b")}}{{/each}}'), /services: datacenter "a b" may only contain/);
    assert.throws(() => render('{{key k}}', {}, { k: ['x'] }), /key: the key must be text, got a list/);
  });
});

describe('text helpers', () => {
  const cases: [string, object, string][] = [
    ['{{toLower s}}|{{toUpper s}}', { s: 'MiXed' }, 'mixed|MIXED'],
    ['{{join list ","}}', { list: ['a', 'b', 3] }, 'a,b,3'],
    ['{{join missing ","}}', {}, ''],
    ['{{replaceAll s "-" "_"}}', { s: 'a-b-c' }, 'a_b_c'],
    ['{{#if (contains list "b")}}yes{{else}}no{{/if}}', { list: ['a', 'b'] }, 'yes'],
    ['{{#if (contains list "z")}}yes{{else}}no{{/if}}', { list: ['a', 'b'] }, 'no'],
    ['{{#if (contains s "ell")}}yes{{/if}}', { s: 'hello' }, 'yes'],
    ['{{#if (startsWith s "/api")}}api{{/if}}', { s: '/api/v1' }, 'api'],
    ['{{trimPrefix s "urlprefix-"}}|{{trimPrefix s "nope"}}', { s: 'urlprefix-/x' }, '/x|urlprefix-/x'],
    ['{{#if (eq a "x")}}eq{{/if}}{{#if (ne a "y")}} ne{{/if}}', { a: 'x' }, 'eq ne'],
    ['{{#if (eq port 80)}}num{{/if}}{{#if (eq port "80")}}text{{/if}}', { port: 80 }, 'num'],
    ['{{#each (service "s")}}{{#if (contains Tags "blue")}}{{ID}}{{/if}}{{/each}}', {}, ''],
  ];
  for (const [source, context, expected] of cases) {
    test(source, () => assert.equal(render(source, {}, context), expected));
  }

  test('misuse is an error with the call position', () => {
    assert.throws(() => render('{{toLower s}}', {}, { s: {} }), /^TemplateError: test\.hbs:1:1: toLower: the value must be text, got an object$/);
    assert.throws(() => render(' {{join s ","}}', {}, { s: 'abc' }), /^TemplateError: test\.hbs:1:2: join: the list must be a list, got text$/);
    assert.throws(() => render('{{#if (eq a b)}}{{/if}}', {}, { a: [], b: [] }), /test\.hbs:1:7: eq: cannot compare a list/);
    assert.throws(() => render('{{replaceAll s "" "x"}}', {}, { s: 'a' }), /replaceAll: from must not be empty/);
  });
});

describe('Nginx shaping helpers', () => {
  test('identifier: safe names, a hash when anything had to change', () => {
    assert.equal(nginxIdentifier('web_1'), 'web_1');
    assert.match(nginxIdentifier('CAS Client Service'), /^CAS_Client_Service_[0-9a-f]{8}$/);
    assert.notEqual(nginxIdentifier('a b'), nginxIdentifier('a.b'));
    assert.equal(nginxIdentifier('a b'), nginxIdentifier('a b'));
    assert.match(nginxIdentifier(''), /^__[0-9a-f]{8}$/);
    assert.match(nginxIdentifier('9lives'), /^_9lives_[0-9a-f]{8}$/);
    assert.match(nginxIdentifier('ümlaut;{x}'), /^_mlaut__x__[0-9a-f]{8}$/);
    assert.equal(render('upstream {{identifier name}} {', {}, { name: 'web' }), 'upstream web {');
  });

  test('byTag: instances grouped per tag, tags sorted', () => {
    const source = '{{#each (byTag (service "simple"))}}{{Name}}:{{#each Services}}{{ID}},{{/each}} {{/each}}';
    const output = render(source, {
      'health.service(simple|passing)': [instance('a', '10.0.0.1', 80, ['green', 'blue']), instance('b', '10.0.0.2', 80, ['blue'])],
    });
    assert.equal(output, 'blue:a,b, green:a, ');
  });

  test('routes: urlprefix tags, longest path first, upstream named by identifier', () => {
    const source = '{{#each (routes (services))}}{{Host}}{{Path}} {{Service}} {{Upstream}}\n{{/each}}';
    const result = run(source, {
      'catalog.services()': [
        { Name: 'web', Tags: ['urlprefix-/', 'other'] },
        { Name: 'CAS Client Service', Tags: ['urlprefix-/cas strip=/cas', 'urlprefix-sso.example.com/login'] },
        { Name: 'api', Tags: ['urlprefix-/api', 'urlprefix-/api'] },
        { Name: 'api2', Tags: ['urlprefix-/api'] },
        { Name: 'odd', Tags: ['urlprefix-', 'urlprefix-noslash', 'xurlprefix-/x'] },
      ],
    });
    const cas = nginxIdentifier('CAS Client Service');
    assert.equal(result.output, `sso.example.com/login CAS%20Client%20Service ${cas}\n/api api api\n/cas CAS%20Client%20Service ${cas}\n/ web web\n`);
    assert.deepEqual(result.messages, ['route "/api" is claimed by services "api" and "api2"; "api" gets it']);
  });

  test('livePeers: prints nothing, records the instances of an upstream named by its parts', () => {
    const instances = [instance('a', '10.0.0.1', 80)];
    const result = run('[{{livePeers (service "simple") "simple" "simple"}}][{{livePeers (service "simple") "my svc" "route" 2}}]', {
      'health.service(simple|passing)': instances,
    });
    assert.equal(result.output, '[][]');
    assert.deepEqual(result.liveUpstreams, [
      { upstream: 'simple', service: 'simple', instances },
      { upstream: 'route_2', service: 'my svc', instances },
    ]);
  });

  test('livePeers refuses an upstream name that is not an Nginx identifier, at the call', () => {
    assert.throws(
      () => run('x\n {{livePeers (service "simple") "simple" "a b"}}', { 'health.service(simple|passing)': [] }),
      /test\.hbs:2:2: livePeers: the upstream name must be an Nginx identifier \(see identifier\), got "a b"/,
    );
  });

  test('byTag and routes refuse data of another shape', () => {
    assert.throws(() => render('{{#each (byTag xs)}}{{/each}}', {}, { xs: ['a'] }), /byTag: the instances \(from service\) must be a list of entries with Tags, got text in it/);
    assert.throws(() => render('{{#each (routes xs)}}{{/each}}', {}, { xs: [{ Tags: ['urlprefix-/'], Name: {} }] }), /routes: each service Name must be text/);
  });
});

describe('log', () => {
  test('goes to the render record, not to stdout', () => {
    const result = run('a\n{{log "value is" v}}b', {}, { v: 3 });
    assert.equal(result.output, 'a\nb');
    assert.deepEqual(result.messages, ['log (line 2): value is 3']);
  });
});
