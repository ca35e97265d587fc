import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lexGoTemplate } from '../../src/convert/go-lexer.ts';
import { pipelineExpression, type GoExpression } from '../../src/convert/go-expression.ts';
import { parseGoTemplate } from '../../src/convert/go-parser.ts';
import type { GoNode } from '../../src/convert/go-syntax.ts';

/** The pipeline of the template's only action, as nested calls. */
function expressionOf(source: string): GoExpression {
  const [node] = parseGoTemplate(source);
  assert.equal(node?.kind, 'action');
  return pipelineExpression((node as Extract<GoNode, { kind: 'action' }>).pipeline);
}

/** A compact form of an expression: f(a, b), .A.B, $x.C, "text". */
function show(expression: GoExpression): string {
  switch (expression.kind) {
    case 'call':
      return `${expression.name}(${expression.args.map(show).join(', ')})`;
    case 'method':
      return `${show(expression.receiver)}.${expression.method}(${expression.args.map(show).join(', ')})`;
    case 'fields':
      return `(${show(expression.target)}).${expression.fields.join('.')}`;
    case 'notCallable':
      return '!';
    case 'operand': {
      const operand = expression.operand;
      switch (operand.kind) {
        case 'field':
          return `.${operand.names.join('.')}`;
        case 'variable':
          return [operand.name, ...operand.fields].join('.');
        case 'string':
          return JSON.stringify(operand.value);
        case 'number':
        case 'char':
          return operand.text;
        case 'bool':
          return String(operand.value);
        case 'dot':
          return '.';
        case 'nil':
          return 'nil';
      }
    }
  }
}

describe('Go lexer', () => {
  test('trim markers need a space; "{{-3}}" is the number -3', () => {
    const items = lexGoTemplate('a {{- 3 -}} b{{-3}}c');
    assert.deepEqual(
      items.map((item) => (item.kind === 'action' ? { trim: item.trim, tokens: item.tokens.map((token) => token.value) } : item.kind === 'text' ? item.text : item.kind)),
      ['a ', { trim: { left: true, right: true }, tokens: ['3'] }, ' b', { trim: { left: false, right: false }, tokens: ['-3'] }, 'c'],
    );
  });

  test('strings: escapes, raw strings without carriage returns, "}}" inside a string', () => {
    const [item] = lexGoTemplate('{{"a\\tb\\u00e9\\x41\\101\\"}}" `c\r\nd`}}');
    assert.equal(item?.kind, 'action');
    const values = (item as Extract<typeof item, { kind: 'action' }>).tokens.map((token) => token.value);
    assert.deepEqual(values, ['a\tbéAA"}}', 'c\nd']);
  });

  test('positions are line and column, counted from 1', () => {
    const items = lexGoTemplate('x\n  {{ .Name }}\n{{/* c */}}');
    assert.deepEqual(
      items.map((item) => [item.kind, item.position.line, item.position.column]),
      [['text', 1, 1], ['action', 2, 3], ['text', 2, 14], ['comment', 3, 1]],
    );
    const action = items[1] as Extract<(typeof items)[number], { kind: 'action' }>;
    assert.deepEqual(action.tokens[0]?.position, { line: 2, column: 6 });
  });
});

describe('Go pipelines as nested calls', () => {
  test('each stage gets the one before as its last argument', () => {
    assert.equal(show(expressionOf('{{.Tags | join "," | toUpper}}')), 'toUpper(join(",", .Tags))');
    assert.equal(show(expressionOf('{{key "a" | replaceAll "x" "y"}}')), 'replaceAll("x", "y", key("a"))');
    assert.equal(show(expressionOf('{{toUpper (key (env "K"))}}')), 'toUpper(key(env("K")))');
  });

  test('fields, variables, methods and fields of computed values', () => {
    assert.equal(show(expressionOf('{{.ServiceMeta.version}}')), '.ServiceMeta.version');
    assert.equal(show(expressionOf('{{$.Name}}')), '$.Name');
    assert.equal(show(expressionOf('{{.Tags.Contains "x"}}')), '.Tags.Contains("x")');
    assert.equal(show(expressionOf('{{.Tags | .Contains}}')), '..Contains(.Tags)');
    assert.equal(show(expressionOf('{{(index (service "web") 0).Address}}')), '(index(service("web"), 0)).Address');
    assert.equal(show(expressionOf('{{join "," services}}')), 'join(",", services())');
  });

  test('else if shares one {{end}}; trims of every tag are kept', () => {
    const [node] = parseGoTemplate('{{if .A}}a{{- else if .B -}}b{{else}}c{{- end}}');
    assert.ok(node?.kind === 'if');
    assert.equal(node.chainedElse, true);
    assert.deepEqual(node.trim, { open: { left: false, right: false }, else: { left: true, right: true }, close: { left: true, right: false } });
    const nested = node.elseBody?.[0];
    assert.ok(nested?.kind === 'if');
    assert.deepEqual(nested.trim.open, { left: true, right: true });
    assert.deepEqual(nested.elseBody, [{ kind: 'text', text: 'c', position: { line: 1, column: 38 } }]);
  });

  test('range declarations: $i, $x := and $x :=', () => {
    const [two, one] = parseGoTemplate('{{range $i, $x := .A}}{{end}}{{range $x := .A}}{{end}}');
    assert.deepEqual(two?.kind === 'range' && two.pipeline.declarations, ['$i', '$x']);
    assert.deepEqual(one?.kind === 'range' && one.pipeline.declarations, ['$x']);
  });
});
