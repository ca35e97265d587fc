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

  test('hostPort: an address and port as Nginx reads them, IPv6 in brackets', () => {
    assert.equal(render('{{hostPort a p}} {{hostPort b p}} {{hostPort c "81"}}', {}, { a: '10.0.0.1', b: '2001:db8::1', c: 'db.internal', p: 8080 }), '10.0.0.1:8080 [2001:db8::1]:8080 db.internal:81');
    assert.throws(() => render('{{hostPort a p}}', {}, { a: '10.0.0.1', p: {} }), /test\.hbs:1:1: hostPort: the port must be a number, got an object/);
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
    assert.deepEqual(result.messages, [{ level: 'warn', message: 'route "/api" is claimed by services "api" and "api2"; "api" gets it' }]);
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
    assert.deepEqual(result.messages, [{ level: 'info', message: 'log (line 2): value is 3' }]);
  });

  test('takes level=, and refuses a level Handlebars does not have', () => {
    assert.deepEqual(run('{{log "careful" level="warn"}}').messages, [{ level: 'warn', message: 'log (line 1): careful' }]);
    assert.throws(() => run('\n  {{log "x" level="loud"}}'), /^TemplateError: test\.hbs:2:3: log: level= must be one of debug, info, warn, error, got "loud"$/);
  });
});

/** Asserts that rendering fails with exactly `message` (test.hbs:line:col: problem). */
function assertRenderError(source: string, message: string, context: object = {}): void {
  assert.throws(() => run(source, {}, context), (error: unknown) => {
    assert.equal((error as Error).message, message);
    return true;
  });
}

describe('text and list helpers', () => {
  test('split: trimmed text, an empty one gives no items', () => {
    assert.equal(render('{{#each (split " a,b ,c\n" ",")}}[{{this}}]{{/each}}|{{#each (split "  " ",")}}x{{/each}}'), '[a][b%20][c]|');
    assertRenderError('{{split xs ","}}', 'test.hbs:1:1: split: the text must be text, got a list', { xs: [] });
  });

  test('trimSuffix and trimSpace (Go\'s white space: U+0085 is one, U+FEFF is not)', () => {
    assert.equal(render('{{trimSuffix "web.example.com" ".example.com"}} {{trimSuffix "web" ""}}'), 'web web');
    assert.equal(render('[{{{trimSpace v}}}]', {}, { v: '\u0085\t x \u00a0' }), '[x]');
    assert.equal(render('[{{{trimSpace v}}}]', {}, { v: '\ufeffx' }), '[\ufeffx]');
    assertRenderError('\n {{trimSpace o}}', 'test.hbs:2:2: trimSpace: the value must be text, got an object', { o: {} });
  });

  test('in, containsAny, containsAll', () => {
    const context = { tags: ['a', 'b'], wanted: ['b', 'c'], both: ['a', 'b'], none: [] };
    const source = '{{#if (in tags "a")}}in {{/if}}{{#if (containsAny tags wanted)}}any {{/if}}{{#if (containsAll tags wanted)}}no{{/if}}{{#if (containsAll tags both)}}all {{/if}}{{#if (containsAll tags none)}}empty{{/if}}';
    assert.equal(render(source, {}, context), 'in any all empty');
    assertRenderError('{{containsAny tags "b"}}', 'test.hbs:1:1: containsAny: the items must be a list, got text', context);
  });

  test('regexMatch and regexReplaceAll read Go\'s syntax', () => {
    assert.equal(render('{{#if (regexMatch "web-12" "(?i)^WEB-\\d+$")}}yes{{/if}}'), 'yes');
    assert.equal(render('{{regexReplaceAll "web-12" "^(?P<kind>[a-z]+)-(\\d+)$" "${2}_$kind$1x"}}'), '12_web');
    // An empty match right after a match is not replaced, as in Go.
    assert.equal(render('{{regexReplaceAll "baaac" "a*" "-"}}'), '-b-c-');
    // Go's wording for what it refuses: lookaround and backreferences are not RE2.
    assertRenderError('{{regexMatch "x" "(a"}}', 'test.hbs:1:1: regexMatch: error parsing regexp: missing closing ): `(a`');
    assertRenderError('{{regexMatch "x" "a(?=b)"}}', 'test.hbs:1:1: regexMatch: error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    assertRenderError('{{regexMatch "aa" "(a)\\1"}}', 'test.hbs:1:1: regexMatch: error parsing regexp: invalid escape sequence: `\\1`');
  });

});

describe('math helpers', () => {
  test('read left to right; whole numbers stay whole, as in Go', () => {
    assert.equal(render('{{add 2 3}} {{subtract 5 2}} {{multiply 4 2.5}} {{divide 7 2}} {{divide -7 2}} {{divide 7 2.5}} {{modulo 10 3}} {{minimum 3 9}} {{maximum 3 9}}'), '5 3 10 3 -3 2.8 1 3 9');
    assert.equal(render('server x weight={{add (parseInt "2") 1}};'), 'server x weight=3;');
  });

  test('refuse text, division by zero and results past 2^53', () => {
    assertRenderError('{{add "1" 2}}', 'test.hbs:1:1: add: a must be a number, got text (parseInt turns text into one)');
    assertRenderError('{{divide 1 0}}', 'test.hbs:1:1: divide: division by zero');
    assertRenderError('{{modulo 1 0}}', 'test.hbs:1:1: modulo: modulo by zero');
    assertRenderError('{{multiply 9007199254740991 2}}', 'test.hbs:1:1: multiply: the result 18014398509481982 is outside the whole numbers a template can hold (±2^53)');
  });
});

describe('conversion helpers', () => {
  test('parseJSON: objects with sorted keys, empty text an empty object', () => {
    const context = { routes: '{"web":{"port":8081},"api":{"port":8080}}' };
    assert.equal(render('{{#each (parseJSON routes)}}{{@key}}={{port}};{{/each}}|{{#each (parseJSON "")}}x{{/each}}', {}, context), 'api=8080;web=8081;|');
    assertRenderError('{{parseJSON "{"}}', 'test.hbs:1:1: parseJSON: not JSON: Expected property name or \'}\' in JSON at position 1 (line 1 column 2)');
  });

  test('parseInt and parseBool take Go\'s spellings', () => {
    assert.equal(render('{{parseInt "-007"}} {{parseInt ""}} {{parseBool "T"}} {{parseBool "0"}} {{parseBool ""}}'), '-7 0 true false false');
    assertRenderError('{{parseInt "1.5"}}', 'test.hbs:1:1: parseInt: "1.5" is not a whole number between -2^53 and 2^53');
    assertRenderError('{{parseBool "yes"}}', 'test.hbs:1:1: parseBool: "yes" is not a boolean (true, false, 1, 0, t, f in any of Go\'s spellings)');
  });

  test('toJSON writes what Go\'s json.Marshal writes', () => {
    assert.equal(render('{{{toJSON (parseJSON v)}}}', {}, { v: '{"b":"<&>","a":[1,null],"10":true,"9":false}' }), '{"10":true,"9":false,"a":[1,null],"b":"\\u003c\\u0026\\u003e"}');
    assert.equal(render('{{toJSON tags}}', {}, { tags: ['a'] }), '[%22a%22]');
  });

  test('base64Encode and base64Decode', () => {
    assert.equal(render('{{base64Encode "héllo"}} {{{base64Decode "aMOpbGxv"}}} {{base64Decode v}}', {}, { v: 'YWJj\nZGVm' }), 'aMOpbGxv héllo abcdef');
    assertRenderError('{{base64Decode "a b"}}', 'test.hbs:1:1: base64Decode: not base64 (standard alphabet, with = padding)');
  });
});

describe('byMeta', () => {
  test('groups instances by metadata values, as consul-template names them', () => {
    const meta = (id: string, ServiceMeta: Record<string, string>) => ({ ...instance(id, '10.0.0.1', 80), ServiceMeta });
    const output = render('{{#each (byMeta (service "web") "version,weight|int")}}{{Name}}:{{#each Services}}{{ID}} {{/each}};{{/each}}', {
      'health.service(web|passing)': [meta('a', { version: '2', weight: '10' }), meta('b', { version: '1.5 beta' }), meta('c', { version: '2', weight: '9' })],
    });
    assert.equal(output, '1_5_beta_00000:b ;2_00009:c ;2_00010:a ;');
  });

  test('refuses a |int value that is no number, and entries without ServiceMeta', () => {
    const data = { 'health.service(web|passing)': [{ ...instance('a', '10.0.0.1', 80), ServiceMeta: { weight: 'heavy' } }] };
    assert.throws(() => run('{{#each (byMeta (service "web") "weight|int")}}{{/each}}', data), /^TemplateError: test\.hbs:1:9: byMeta: weight is "heavy", not a whole number$/);
    assertRenderError('{{#each (byMeta xs "v")}}{{/each}}', 'test.hbs:1:9: byMeta: the instances (from service) must be a list of entries with ServiceMeta, got text in it', { xs: ['a'] });
  });
});

describe('Consul helpers consul-template users carry over', () => {
  test('keyExists reads the key\'s watch and never holds the output back', () => {
    const result = run('{{#if (keyExists "app/beta")}}beta{{else}}stable{{/if}} {{keyExists "app/on"}}', {
      'kv.key(app/beta)': { exists: false, value: '' },
      'kv.key(app/on)': { exists: true, value: '' },
    });
    assert.equal(result.output, 'stable true');
    assert.equal(result.complete, true);
  });

  test('safeLs and safeTree hold the output back while the prefix has no key', () => {
    const source = '{{#each (safeLs "app")}}{{Key}};{{/each}}|{{#each (safeTree "app")}}{{Key}};{{/each}}';
    const full = run(source, { 'kv.list(app/)': [{ Key: 'a', Value: '1' }, { Key: 'sub/b', Value: '2' }] });
    assert.equal(full.output, 'a;|a;sub/b;');
    assert.equal(full.complete, true);
    const empty = run(source, { 'kv.list(app/)': [] });
    assert.equal(empty.complete, false);
    assert.deepEqual(empty.waitingForKeys, ['app/']);
    assertRenderError('{{#each (safeTree "app/../x")}}{{/each}}', 'test.hbs:1:9: safeTree: prefix "app/../x": "." and ".." are not allowed as path segments');
  });

  test('node: a node and its services; nothing for an unknown one', () => {
    const found = { Node: { Node: 'n1', Address: '10.0.0.9' }, Services: [{ ID: 'web-1', Service: 'web', Port: 80 }] };
    const source = '{{#with (node "n1@dc2")}}{{Node.Address}} {{#each Services}}{{Service}}:{{Port}}{{/each}}{{else}}none{{/with}}';
    assert.equal(render(source, { 'catalog.node("n1"@dc2)': found }), '10.0.0.9 web:80');
    assert.equal(render(source, { 'catalog.node("n1"@dc2)': null }), 'none');
    assert.equal(render('{{#with (node "n1" dc="dc2")}}{{Node.Node}}{{/with}}', { 'catalog.node("n1"@dc2)': found }), 'n1');
    const own = run('{{#with (node)}}{{Node.Node}}{{/with}}', { 'agent.self(NodeName)': 'n1', 'catalog.node("n1")': found });
    assert.deepEqual([own.output, own.complete], ['n1', true]);
    assert.deepEqual(run('{{#with (node)}}x{{/with}}').missing.map((dependency) => dependency.id), ['agent.self(NodeName)']);
    assertRenderError('{{node "n1@dc2" dc="dc3"}}', 'test.hbs:1:1: node: node "n1@dc2": datacenter given twice: "dc2" and dc="dc3"');
    assertRenderError('{{node "@dc2"}}', 'test.hbs:1:1: node: node "@dc2": a node name is needed, without control characters');
  });

  test('datacenters, and services and nodes of one given as "@dc"', () => {
    const output = render('{{#each (datacenters)}}{{this}} {{/each}}{{#each (services "@dc2")}}{{Name}}{{/each}} {{#each (nodes "@dc2")}}{{Node}}{{/each}}', {
      'catalog.datacenters()': ['dc1', 'dc2'],
      'catalog.services(@dc2)': [{ Name: 'far', Tags: [] }],
      'catalog.nodes(@dc2)': [{ Node: 'n9', Address: '10.9.0.1' }],
    });
    assert.equal(output, 'dc1 dc2 far n9');
    assertRenderError('{{services "dc2"}}', 'test.hbs:1:1: services: the datacenter is written "@name", got "dc2"');
    assertRenderError('{{services "@dc2" dc="dc1"}}', 'test.hbs:1:1: services: datacenter given twice: "@dc2" and dc="dc1"');
    assertRenderError('{{nodes "@d c"}}', 'test.hbs:1:1: nodes: datacenter "d c" may only contain letters, digits, ".", "_" and "-"');
  });
});
