// consul-template sources using its helpers, converted and rendered by drcon. Each expected text
// is what Go's text/template wrote for the same source and data with consul-template's functions
// (checked while developing; these tests need no Go). drcon prints `{{value}}` as one Nginx
// token, so where Go writes a space, `$` or a non-ASCII letter, drcon writes it percent-encoded.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { convertTemplate } from '../../src/convert/convert.ts';
import { Template } from '../../src/template/template.ts';
import { dataSource, instance, renderConverted } from './render-converted.ts';

const kv = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([key, value]) => [`kv.key(${key})`, { exists: true, value }]));

const data = {
  ...kv({
    hosts: ' a,b ,,c \n',
    blank: '  ',
    name: 'www.example.com',
    padded: '\u0085 x \u00a0',
    needles: '["a","b"]',
    routes: '[{"path":"/api","port":8080},{"path":"/web","port":8081.5}]',
    flat: '{"b":"x-y","a":2,"c":false}',
    map: '{"b":"<x&y>","a":[1,2.5,true,null],"10":"ten","9":"nine"}',
    n: '41',
    flag: 'true',
  }),
  'health.service(web|passing)': [
    instance('1', '10.0.0.1', 80, { ServiceMeta: { version: '2', weight: '10' } }),
    instance('2', '10.0.0.2', 80, { ServiceMeta: { version: '2', weight: '9' } }),
    instance('3', '10.0.0.3', 80, { ServiceMeta: { version: '1.5 beta' } }),
    instance('4', '10.0.0.4', 80, { ServiceMeta: { weight: '-3' } }),
  ],
};

const cases: { name: string; go: string; gives: string }[] = [
  { name: 'split (trimmed, empty text no items)', go: '{{range split "," (key "hosts")}}[{{.}}]{{end}}|{{range split "," (key "blank")}}x{{end}}|', gives: '[a][b%20][][c]||' },
  { name: 'trimSuffix, trimSpace (Go\'s spaces), trimPrefix', go: '{{key "name" | trimSuffix ".example.com"}}|{{trimSpace (key "padded")}}|{{key "name" | trimPrefix "www."}}', gives: 'www|x|example.com' },
  {
    name: 'regexMatch, regexReplaceAll with Go\'s groups and template',
    go: '{{if regexMatch "^web-[0-9]+$" "web-12"}}yes{{end}}{{if regexMatch "^api" "web-12"}}no{{end}} {{regexReplaceAll "(?i)^(WEB)-(?P<n>[0-9]+)$" "${n}_$1$$ $2x $n" "web-12"}} {{key "name" | regexReplaceAll "[.]" "_"}}',
    gives: 'yes 12_web%24%20%2012 www_example_com',
  },
  { name: 'in', go: '{{if in (split "," "a,b") "b"}}in{{end}}{{if in (split "," "a,b") "c"}}no{{end}} {{if in "abc" "bc"}}text{{end}}', gives: 'in text' },
  {
    name: 'containsAll, containsAny',
    go: '{{if split "," "a,b,c" | containsAll (parseJSON (key "needles"))}}all{{end}} {{if split "," "a,c" | containsAll (parseJSON (key "needles"))}}no{{end}} {{if split "," "x,b" | containsAny (parseJSON (key "needles"))}}any{{end}} {{if split "," "x" | containsAny (parseJSON (key "needles"))}}no{{end}}',
    gives: 'all  any ',
  },
  {
    name: 'byMeta, with |int and missing keys',
    go: '{{range $k, $s := service "web" | byMeta "version,weight|int"}}{{$k}}:{{range $s}}{{.Address}} {{end}};{{end}}',
    gives: '1_5_beta_00000:10.0.0.3 ;2_00009:10.0.0.2 ;2_00010:10.0.0.1 ;_no_version__-0003:10.0.0.4 ;',
  },
  {
    name: 'parseJSON: a route table, an object ranged in key order, empty text',
    go: '{{range $r := parseJSON (key "routes")}}{{$r.path}}={{$r.port}} {{end}}|{{range $k, $v := parseJSON (key "flat")}}{{$k}}={{$v}};{{end}}|{{range parseJSON ""}}x{{end}}',
    gives: '/api=8080 /web=8081.5 |a=2;b=x-y;c=false;|',
  },
  { name: 'parseInt, parseBool', go: '{{add (parseInt (key "n")) 1}} {{parseInt "-007"}} {{if parseBool (key "flag")}}on{{end}} {{parseBool ""}} {{parseBool "T"}}', gives: '42 -7 on false true' },
  {
    name: 'math in pipe order, whole numbers dividing as whole numbers',
    go: '{{subtract 2 5}} {{divide 2 7}} {{divide 2 -7}} {{modulo 3 10}} {{modulo 3 -10}} {{multiply 2 2.5}} {{minimum 3 9}} {{maximum 3 9}} {{add 1.5 2}} {{divide 4 1.5}}',
    gives: '3 3 -3 1 -1 5 3 9 3.5 0.375',
  },
  { name: 'base64Encode, base64Decode', go: '{{base64Encode "héllo"}} {{base64Decode "aMOpbGxv"}} {{key "name" | base64Encode | base64Decode}}', gives: 'aMOpbGxv h%C3%A9llo www.example.com' },
];

describe('consul-template helpers, converted, give consul-template\'s bytes', () => {
  for (const { name, go, gives } of cases) test(name, () => assert.equal(renderConverted(go, data), gives));

  test('toJSON: Go\'s key order and escapes (printed raw here: JSON is not one Nginx token)', () => {
    const { output } = convertTemplate('{{toJSON (parseJSON (key "map"))}} {{toJSON (split "," "a,<b>")}} {{toJSON (key "name")}}');
    const raw = output.replaceAll('{{toJSON', '{{{toJSON').replaceAll(')}}', ')}}}');
    const rendered = Template.fromSource(raw, 'raw.hbs').render(dataSource(data), {}, { env: {} }).output;
    assert.equal(rendered, '{"10":"ten","9":"nine","a":[1,2.5,true,null],"b":"\\u003cx\\u0026y\\u003e"} ["a","\\u003cb\\u003e"] "www.example.com"');
  });

  test('the translations read left to right', () => {
    const translated = (go: string) => convertTemplate(go).output;
    assert.equal(translated('{{subtract 2 5}}'), '{{subtract 5 2}}');
    assert.equal(translated('{{key "k" | split ","}}'), '{{split (key "k") ","}}');
    assert.equal(translated('{{regexReplaceAll "a" "b" "c"}}'), '{{regexReplaceAll "c" "a" "b"}}');
    assert.equal(translated('{{.Tags | containsAny $x}}').includes('containsAny Tags'), true);
  });

  test('keyExists, safeLs, safeTree, datacenters, node and services "@dc"', () => {
    const go = '{{if keyExists "name"}}k{{end}} {{range safeLs "app"}}{{.Key}};{{end}} {{range datacenters}}{{.}};{{end}} {{with node "n1"}}{{.Node.Address}}{{end}} {{range services "@dc2"}}{{.Name}}{{end}}';
    const rendered = renderConverted(go, {
      ...data,
      'kv.list(app/)': [{ Key: 'a', Value: '1' }],
      'catalog.datacenters()': ['dc1', 'dc2'],
      'catalog.node("n1")': { Node: { Node: 'n1', Address: '10.0.0.9' }, Services: [] },
      'catalog.services(@dc2)': [{ Name: 'far', Tags: [] }],
    });
    assert.equal(rendered, 'k a; dc1;dc2; 10.0.0.9 far');
    assert.equal(convertTemplate('{{with node}}{{.Node.Node}}{{end}}').output, '{{#with (node)}}{{Node.Node}}{{/with}}');
  });

  test('a whole number written as a fraction in math is not translated', () => {
    const { problems } = convertTemplate('{{divide 4 1.0}}');
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.reason, /whole number written as a fraction/);
  });
});
