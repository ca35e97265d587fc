// Whitespace is where Handlebars and Go differ most (standalone lines, ~ versus {{- }}), so this
// generates templates of text, tags and trim markers, works out Go's output with a small model of
// Go's rules written independently of the converter, and checks that the conversion renders it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { convertTemplate } from '../../src/convert/convert.ts';
import { instance, renderConverted } from './render-converted.ts';

interface Trim {
  left: boolean;
  right: boolean;
}
interface Instance {
  Address: string;
  Port: number;
}
/** What Go's dot is: nothing at the top, an instance in a range, a key's value in a with. */
type Dot = Instance | string | undefined;
type Context = 'root' | 'instance' | 'value';
interface Condition {
  source: string;
  holds: (dot: Dot) => boolean;
}
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'print'; source: string; value: (dot: Dot) => string; trim: Trim }
  | { kind: 'silent'; source: string; trim: Trim }
  | { kind: 'range'; body: Node[]; otherwise?: Node[]; trims: Trim[] }
  | { kind: 'if' | 'with'; conditions: Condition[]; branches: Node[][]; otherwise?: Node[]; trims: Trim[] };

const keys: Record<string, string> = { k: 'v', empty: '' };
const keyData = Object.fromEntries(Object.entries(keys).map(([key, value]) => [`kv.key(${key})`, { exists: true, value }]));

const trim = fc.record({ left: fc.boolean(), right: fc.boolean() });
const text = fc
  .array(fc.constantFrom(' ', '\t', '\n', '\r\n', 'x', '}', '\\', '\u00a0', ';'), { minLength: 1, maxLength: 6 })
  .map((parts): Node => ({ kind: 'text', text: parts.join('') }));

const asInstance = (dot: Dot) => dot as Instance;

function prints(context: Context): fc.Arbitrary<Node> {
  const choices: { source: string; value: (dot: Dot) => string }[] = [
    { source: 'key "k"', value: () => keys['k']! },
    { source: '"{"', value: () => '{' },
    { source: '"x {{ y"', value: () => 'x {{ y' },
    { source: '"\\\\"', value: () => '\\' },
  ];
  if (context === 'instance') choices.push({ source: '.Address', value: (dot) => asInstance(dot).Address }, { source: '.Port', value: (dot) => String(asInstance(dot).Port) });
  if (context === 'value') choices.push({ source: '.', value: (dot) => dot as string });
  return fc.record({ choice: fc.constantFrom(...choices), trim }).map(({ choice, trim }): Node => ({ kind: 'print', ...choice, trim }));
}

const silent = fc.record({ source: fc.constantFrom('/* note */', '$unused := "x"'), trim }).map((node): Node => ({ kind: 'silent', ...node }));

function conditions(context: Context): fc.Arbitrary<Condition> {
  const choices: Condition[] = [
    { source: 'key "k"', holds: () => true },
    { source: 'key "empty"', holds: () => false },
    { source: 'not (key "empty")', holds: () => true },
    { source: 'and (key "k") (key "empty")', holds: () => false },
    { source: 'or (key "empty") (key "k")', holds: () => true },
  ];
  if (context === 'instance') {
    choices.push(
      { source: 'eq .Port 80', holds: (dot) => asInstance(dot).Port === 80 },
      { source: 'and (eq .Port 80) (ne .Address "b")', holds: (dot) => asInstance(dot).Port === 80 && asInstance(dot).Address !== 'b' },
      { source: 'or (eq .Port 81) (eq .Address "b")', holds: (dot) => asInstance(dot).Port === 81 || asInstance(dot).Address === 'b' },
    );
  }
  return fc.constantFrom(...choices);
}

/** A with's arms test a key and set dot to its value. */
const withKeys = fc.constantFrom(...Object.keys(keys).map((key): Condition => ({ source: `key "${key}"`, holds: () => keys[key] !== '' })));

function nodes(context: Context, depth: number): fc.Arbitrary<Node[]> {
  const leaves = [text, text, prints(context), silent];
  const control = (kind: 'if' | 'with', condition: fc.Arbitrary<Condition>, bodyContext: Context) =>
    fc
      .record({
        arms: fc.array(fc.record({ condition, body: nodes(bodyContext, depth - 1) }), { minLength: 1, maxLength: 3 }),
        otherwise: fc.option(nodes(context, depth - 1), { nil: undefined }),
        trims: fc.array(trim, { minLength: 4, maxLength: 4 }),
      })
      .map(({ arms, otherwise, trims }): Node => ({ kind, conditions: arms.map((arm) => arm.condition), branches: arms.map((arm) => arm.body), otherwise, trims }));
  const blocks =
    depth === 0
      ? []
      : [
          fc
            .record({ body: nodes('instance', depth - 1), otherwise: fc.option(nodes(context, depth - 1), { nil: undefined }), trims: fc.array(trim, { minLength: 3, maxLength: 3 }) })
            .map((range): Node => ({ kind: 'range', ...range })),
          control('if', conditions(context), context),
          control('with', withKeys, 'value'),
        ];
  return fc.array(fc.oneof(...leaves, ...blocks), { maxLength: 5 }).map(mergeTexts);
}

/** Go sees one text between two tags, however the generator split it. */
function mergeTexts(list: Node[]): Node[] {
  const out: Node[] = [];
  for (const node of list) {
    const last = out[out.length - 1];
    if (node.kind === 'text' && last?.kind === 'text') out[out.length - 1] = { kind: 'text', text: last.text + node.text };
    else out.push(node);
  }
  return out;
}

// ---- the model of Go's text/template ----

type Token = { kind: 'text'; node: Extract<Node, { kind: 'text' }> } | { kind: 'tag'; source: string; trim: Trim };

const tag = (source: string, trim: Trim): Token => ({ kind: 'tag', source, trim });

function tokens(list: Node[]): Token[] {
  return list.flatMap((node): Token[] => {
    switch (node.kind) {
      case 'text':
        return [{ kind: 'text', node }];
      case 'print':
      case 'silent':
        return [tag(node.source, node.trim)];
      case 'range':
        return [
          tag('range service "web"', node.trims[0]!),
          ...tokens(node.body),
          ...(node.otherwise ? [tag('else', node.trims[1]!), ...tokens(node.otherwise)] : []),
          tag('end', node.trims[2]!),
        ];
      case 'if':
      case 'with':
        return [
          ...node.conditions.flatMap((condition, i) => [
            tag(`${i === 0 ? '' : 'else '}${node.kind} ${condition.source}`, i === 0 ? node.trims[0]! : node.trims[1]!),
            ...tokens(node.branches[i]!),
          ]),
          ...(node.otherwise ? [tag('else', node.trims[2]!), ...tokens(node.otherwise)] : []),
          tag('end', node.trims[3]!),
        ];
    }
  });
}

function goSource(list: Node[]): string {
  return tokens(list)
    .map((token) => (token.kind === 'text' ? token.node.text : `{{${token.trim.left ? '- ' : ''}${token.source}${token.trim.right ? ' -' : ''}}}`))
    .join('');
}

/** Go's trim markers remove spaces, tabs and line breaks from the neighbouring text. */
function trimmedTexts(list: Node[]): Map<Node, string> {
  const all = tokens(list);
  const texts = new Map<Node, string>();
  for (const token of all) if (token.kind === 'text') texts.set(token.node, token.node.text);
  all.forEach((token, i) => {
    if (token.kind !== 'tag') return;
    const before = all[i - 1];
    const after = all[i + 1];
    if (token.trim.left && before?.kind === 'text') texts.set(before.node, texts.get(before.node)!.replace(/[ \t\r\n]+$/, ''));
    if (token.trim.right && after?.kind === 'text') texts.set(after.node, texts.get(after.node)!.replace(/^[ \t\r\n]+/, ''));
  });
  return texts;
}

function goOutput(list: Node[], texts: Map<Node, string>, instances: Instance[], dot?: Dot): string {
  return list
    .map((node) => {
      switch (node.kind) {
        case 'text':
          return texts.get(node)!;
        case 'print':
          return node.value(dot);
        case 'silent':
          return '';
        case 'range':
          if (instances.length === 0) return node.otherwise ? goOutput(node.otherwise, texts, instances, dot) : '';
          return instances.map((each) => goOutput(node.body, texts, instances, each)).join('');
        case 'if':
        case 'with': {
          const arm = node.conditions.findIndex((condition) => condition.holds(dot));
          const armDot = node.kind === 'with' ? keys[/"(.*)"/.exec(node.conditions[arm]?.source ?? '')?.[1] ?? ''] : dot;
          if (arm >= 0) return goOutput(node.branches[arm]!, texts, instances, armDot);
          return node.otherwise ? goOutput(node.otherwise, texts, instances, dot) : '';
        }
      }
    })
    .join('');
}

const instances = fc.array(fc.record({ Address: fc.constantFrom('a', 'b'), Port: fc.constantFrom(80, 81) }), { maxLength: 2 });

describe('whitespace: converted templates render the bytes Go writes', () => {
  test('generated templates of text, tags, trim markers and nested range, if, with and else chains', () => {
    fc.assert(
      fc.property(nodes('root', 2), instances, (template, web) => {
        const source = goSource(template);
        const expected = goOutput(template, trimmedTexts(template), web);
        const data = { ...keyData, 'health.service(web|passing)': web.map((each, i) => instance(String(i), each.Address, each.Port)) };
        assert.equal(renderConverted(source, data), expected, `Go source: ${JSON.stringify(source)}\nconverted: ${JSON.stringify(convertTemplate(source).output)}`);
      }),
      { numRuns: 400 },
    );
  });

  test('standalone lines keep their whitespace and line breaks', () => {
    const source = 'a\n  {{/* note */}}\n  {{range service "web"}}\n  {{.Address}}\n  {{else}}\n  none\n  {{end}}\n{{if key "k"}}\n\tyes\n{{else if key "empty"}}\n\tmaybe\n{{end}}\n';
    const data = { ...keyData, 'health.service(web|passing)': [instance('1', 'a', 80)] };
    assert.equal(renderConverted(source, data), 'a\n  \n  \n  a\n  \n\n\tyes\n\n');
    assert.equal(renderConverted(source, { ...keyData, 'health.service(web|passing)': [] }), 'a\n  \n  \n  none\n  \n\n\tyes\n\n');
  });

  test('a line that Handlebars would treat as standalone inside an {{else if}} chain', () => {
    // Handlebars checks the first chained branch's end when deciding whether {{/if}} is standalone.
    const source = '{{if key "empty"}}A{{else if key "empty"}}B\n{{else}}C{{end}}\nrest';
    assert.equal(renderConverted(source, keyData), 'C\nrest');
  });
});
