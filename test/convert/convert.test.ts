// Each case: a consul-template source, the data, and the bytes consul-template (Go's
// text/template) writes for it, worked out by hand from Go's rules: text between tags is copied
// verbatim, every time its part of the template runs. The converted template must render them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { convertTemplate } from '../../src/convert/convert.ts';
import { instance, renderConverted } from './render-converted.ts';

const simple = 'health.service(simple|passing)';
const twoInstances = { [simple]: [instance('a', '10.0.0.1', 8000), instance('b', '10.0.0.2', 8001)] };

describe('the DR CoN seed template', () => {
  const seed = [
    'upstream app {',
    '  least_conn;',
    '  {{range service "simple"}}',
    '  server  {{.Address}}:{{.Port}};',
    '  {{else}}server 127.0.0.1:65535;{{end}}',
    '}',
    'server {',
    '  listen 80 default_server;',
    '  location / {',
    '    proxy_pass http://app;',
    '  }',
    '}',
    '',
  ].join('\n');
  const serverBlock = 'server {\n  listen 80 default_server;\n  location / {\n    proxy_pass http://app;\n  }\n}\n';

  test('two instances: the range body, blank lines included, once per instance', () => {
    const expected =
      'upstream app {\n  least_conn;\n  ' +
      '\n  server  10.0.0.1:8000;\n  ' +
      '\n  server  10.0.0.2:8001;\n  ' +
      '\n}\n' +
      serverBlock;
    assert.equal(renderConverted(seed, twoInstances), expected);
  });

  test('no instances: the else text in place of the range', () => {
    const expected = 'upstream app {\n  least_conn;\n  server 127.0.0.1:65535;\n}\n' + serverBlock;
    assert.equal(renderConverted(seed, { [simple]: [] }), expected);
  });

  test('the conversion reads like the original', () => {
    const { output } = convertTemplate(seed);
    assert.match(output, /^  \{\{#each \(service "simple"\)\}\}\{\{!\}\}\n  server  \{\{Address\}\}:\{\{Port\}\};\n  \{\{else\}\}server 127\.0\.0\.1:65535;\{\{\/each\}\}$/m);
  });
});

describe('ranges', () => {
  test('nested ranges with else, each tag on a line of its own', () => {
    const source = [
      '{{range services}}',
      'upstream {{.Name}} {',
      '  {{range service .Name}}',
      '  server {{.Address}}:{{.Port}};',
      '  {{else}}',
      '  server 127.0.0.1:65535;',
      '  {{end}}',
      '}',
      '{{end}}',
      '',
    ].join('\n');
    const data = {
      'catalog.services()': [{ Name: 'api', Tags: [] }, { Name: 'web', Tags: [] }],
      'health.service(api|passing)': [instance('a', '10.0.0.1', 80)],
      'health.service(web|passing)': [],
    };
    const expected =
      '\nupstream api {\n  ' + '\n  server 10.0.0.1:80;\n  ' + '\n}\n' +
      '\nupstream web {\n  ' + '\n  server 127.0.0.1:65535;\n  ' + '\n}\n' +
      '\n';
    assert.equal(renderConverted(source, data), expected);
  });

  test('services with tags: contains as pipe, method and in; join; range over Tags', () => {
    const source = [
      '{{range services}}{{if .Tags | contains "http"}}{{.Name}} [{{.Tags | join ","}}]',
      '{{end}}{{end}}--',
      '{{range services}}{{if .Tags.Contains "v1"}}{{.Name}}:{{range .Tags}} {{.}}{{end}};{{end}}{{if in .Tags "db"}}db={{.Name}};{{end}}{{end}}',
    ].join('\n');
    const data = {
      'catalog.services()': [
        { Name: 'api', Tags: ['http', 'v1'] },
        { Name: 'db', Tags: ['db'] },
        { Name: 'web', Tags: ['http'] },
      ],
    };
    assert.equal(renderConverted(source, data), 'api [http,v1]\nweb [http]\n--\napi: http v1;db=db;');
  });

  test('range over nodes', () => {
    const source = '{{range nodes}}{{.Node}} {{.Address}}\n{{end}}';
    const data = { 'catalog.nodes()': [{ Node: 'n1', Address: '10.0.0.1', ID: 'x', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} }] };
    assert.equal(renderConverted(source, data), 'n1 10.0.0.1\n');
  });

  test('byTag: one group per tag, sorted, as key and value variables', () => {
    const source = '{{range $tag, $instances := service "simple" | byTag}}{{$tag}}:{{range $instances}} {{.Address}}{{end}}\n{{end}}';
    const data = {
      [simple]: [
        instance('a', '10.0.0.1', 80, { Tags: ['v2', 'blue'] }),
        instance('b', '10.0.0.2', 80, { Tags: ['blue'] }),
      ],
    };
    assert.equal(renderConverted(source, data), 'blue: 10.0.0.1 10.0.0.2\nv2: 10.0.0.1\n');
  });
});

describe('consul-template argument forms', () => {
  test('datacenters, status filters, and $ become hash options and @root', () => {
    const catalog = '{{range services "@dc1"}}{{.Name}}{{end}}{{range service "web" "passing,warning"}}{{.Address}}{{end}}';
    const source = `${catalog}{{range service .Name "any"}}{{$.listen}}{{end}}`;
    assert.equal(
      convertTemplate(source).output,
      '{{#each (services dc="dc1")}}{{Name}}{{/each}}{{#each (service "web|passing,warning")}}{{Address}}{{/each}}{{#each (service Name filter="any")}}{{@root.listen}}{{/each}}',
    );
    const data = {
      'catalog.services(@dc1)': [{ Name: 'api', Tags: [] }],
      'health.service(web|passing,warning)': [instance('a', '10.0.0.1', 80)],
    };
    assert.equal(renderConverted(catalog, data), 'api10.0.0.1');
  });
});

describe('key-value data', () => {
  test('ls lists direct children, tree every key below the prefix', () => {
    const source = '{{range ls "app/config"}}{{.Key}}={{.Value}}\n{{end}}--\n{{range tree "app/config"}}{{.Key}}={{.Value}}\n{{end}}';
    const data = { 'kv.list(app/config/)': [{ Key: 'a', Value: '1' }, { Key: 'b/c', Value: '2' }] };
    assert.equal(renderConverted(source, data), 'a=1\n--\na=1\nb/c=2\n');
  });

  test('key, keyOrDefault and env', () => {
    const source = 'name {{key "app/name"}};\nport {{keyOrDefault "app/port" "8080"}};\nhome {{env "HOME"}};\n';
    const data = { 'kv.key(app/name)': { exists: true, value: 'demo' }, 'kv.key(app/port)': { exists: false, value: '' } };
    assert.equal(renderConverted(source, data), 'name demo;\nport 8080;\nhome /home/drcon;\n');
  });
});

describe('expressions', () => {
  test('pipelines into toLower, toUpper, join, replaceAll; parenthesised calls; index', () => {
    const source = [
      '{{key "app/name" | toUpper}}',
      '{{"Mixed-Case" | toLower}}',
      '{{key "app/name" | replaceAll "m" "M" | replaceAll "o" "0"}}',
      '{{toUpper (key "app/name")}}',
      '{{range service "simple"}}{{index .ServiceMeta "version"}} {{.Tags | join "+"}} {{.NodeDatacenter}}{{end}}',
      '{{with index (service "simple") 0}}{{.ID}}{{end}}',
      '{{env "REGION" | replaceAll "-" "_"}}',
      '{{"literal {{ braces }}"}} {{42}} {{true}}',
    ].join('\n');
    const data = {
      'kv.key(app/name)': { exists: true, value: 'demo' },
      [simple]: [instance('a', '10.0.0.1', 80, { ServiceMeta: { version: '1.2' }, Tags: ['x', 'y'] })],
    };
    const expected = ['DEMO', 'mixed-case', 'deM0', 'DEMO', '1.2 x+y dc1', 'a', 'eu_west', 'literal {{ braces }} 42 true'].join('\n');
    assert.equal(renderConverted(source, data), expected);
  });

  test('if with eq, ne, and, or, not, else if, and eq with several candidates', () => {
    const source = [
      '{{range service "simple"}}',
      '{{- if and (eq .Port 8000) (not (eq .Address "10.0.0.9"))}}A',
      '{{- else if or (eq .Port 1) (eq .Port 8001)}}B',
      '{{- else if eq .Port 9000 9001 9002}}C',
      '{{- else if ne .Address "10.0.0.4"}}D',
      '{{- else}}E',
      '{{- end}}',
      '{{- end}}',
    ].join('\n');
    const data = {
      [simple]: ['8000', '8001', '9002', '7000', '7001'].map((port, i) =>
        instance(String(i), i === 4 ? '10.0.0.4' : `10.0.1.${i}`, Number(port)),
      ),
    };
    assert.equal(renderConverted(source, data), 'ABCDE');
  });

  test('with: runs its body with dot set, or else', () => {
    const source = '{{with key "app/name"}}name={{.}}{{else}}unnamed{{end}} {{with key "app/none"}}x{{else}}none{{end}}';
    const data = { 'kv.key(app/name)': { exists: true, value: 'demo' }, 'kv.key(app/none)': { exists: true, value: '' } };
    assert.equal(renderConverted(source, data), 'name=demo none');
  });
});

describe('variables', () => {
  test('range $i, $s and range $s become block parameters', () => {
    const source = '{{range $i, $s := service "simple"}}{{if ne $i 0}},{{end}}{{$s.Address}}:{{$s.Port}}{{end}}\n{{range $s := service "simple"}}[{{$s.ID}}]{{end}}';
    assert.equal(renderConverted(source, twoInstances), '10.0.0.1:8000,10.0.0.2:8001\n[a][b]');
  });

  test('a variable set in an action is used where it is read, at any depth', () => {
    const source = [
      '{{$name := "simple"}}{{$upper := $name | toUpper}}',
      '{{range service $name}}{{$upper}} {{.ID}}|{{end}}',
      '{{with $first := index (service "simple") 0}}first={{$first.Address}}{{end}}',
    ].join('\n');
    assert.equal(renderConverted(source, twoInstances), '\nSIMPLE a|SIMPLE b|\nfirst=10.0.0.1');
  });

  // drcon's data may carry fields consul-template's structs do not; names must not change meaning.
  test('variables and fields that collide with helper names stay what they were', () => {
    const source = '{{range $key := ls "p"}}{{$key.Key}}{{end}} {{range ls "p"}}{{.key}}{{end}}';
    const data = { 'kv.list(p/)': [{ Key: 'a', Value: '1', key: 'lower' }] };
    assert.equal(renderConverted(source, data), 'a lower');
    assert.match(convertTemplate(source).output, /as \|key_\|.*\{\{key_\.Key\}\}.*\{\{this\.key\}\}/);
  });
});

describe('trim markers', () => {
  test('{{- and -}} remove the whitespace Go removes', () => {
    const source = [
      'upstream app {',
      '  {{- range service "simple" }}',
      '  server {{ .Address }}:{{ .Port }};',
      '  {{- end }}',
      '}',
      '{{ range service "simple" -}}',
      '   {{ .ID }}',
      '{{- end }}',
      '{{- /* a comment */ -}}',
      '   .',
    ].join('\n');
    const expected = 'upstream app {\n  server 10.0.0.1:8000;\n  server 10.0.0.2:8001;\n}\nab.';
    assert.equal(renderConverted(source, twoInstances), expected);
  });

  test('a typical nginx template written with trim markers everywhere', () => {
    const source = [
      '{{- range services -}}',
      '{{- if .Tags | contains "http" }}',
      'upstream {{ .Name }} {',
      '  {{- range service .Name }}',
      '  server {{ .Address }}:{{ .Port }};',
      '  {{- else }}',
      '  server 127.0.0.1:65535; # no healthy instances',
      '  {{- end }}',
      '}',
      '{{- end }}',
      '{{- end }}',
      '',
    ].join('\n');
    const data = {
      'catalog.services()': [{ Name: 'api', Tags: ['http'] }, { Name: 'db', Tags: [] }, { Name: 'web', Tags: ['http'] }],
      'health.service(api|passing)': [instance('a', '10.0.0.1', 80), instance('b', '10.0.0.2', 81)],
      'health.service(db|passing)': [],
      'health.service(web|passing)': [],
    };
    const expected =
      '\nupstream api {\n  server 10.0.0.1:80;\n  server 10.0.0.2:81;\n}' +
      '\nupstream web {\n  server 127.0.0.1:65535; # no healthy instances\n}' +
      '\n';
    assert.equal(renderConverted(source, data), expected);
  });

  test('trim markers become ~ and the whitespace stays in the source, as in the original', () => {
    const { output } = convertTemplate('a \n{{- range service "x" -}}\n b {{- end }}');
    assert.equal(output, 'a \n{{~#each (service "x")~}}\n b {{~/each}}');
  });

  test('a trim marker next to Unicode whitespace Go keeps writes no ~', () => {
    const source = 'a\u00a0{{- "x" }}\u00a0b{{ key "k" -}}\u00a0c';
    const { output } = convertTemplate(source);
    assert.equal(output, 'a\u00a0x\u00a0b{{key "k"}}\u00a0c');
    assert.equal(renderConverted(source, { 'kv.key(k)': { exists: true, value: 'v' } }), 'a\u00a0x\u00a0bv\u00a0c');
  });
});
