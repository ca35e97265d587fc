import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GoSyntaxError, formatProblem } from '../../src/convert/conversion-problem.ts';
import { convertTemplate } from '../../src/convert/convert.ts';
import { Template } from '../../src/template/template.ts';
import { TemplateError } from '../../src/template/template-error.ts';

const reported = (source: string) => convertTemplate(source).problems.map((problem) => formatProblem('in.ctmpl', problem));

describe('constructs drcon has no equivalent for', () => {
  const source = [
    'upstream db {',
    '  {{with secret "secret/db"}}password {{.Data.password}};{{end}}',
    '  {{plugin "lookup" | toUpper}} {{scratch.Set "a" "b"}} {{executeTemplate "t"}}',
    '{{define "t"}}x{{end}}{{template "t" .}}',
    '{{range service "web"}}{{break}}{{end}}{{$x := 1}}{{$x = 2}}{{.Tags.ContainsAll "a"}}',
    '}',
  ].join('\n');

  test('each is reported once, with line:col and name, in source order', () => {
    assert.deepEqual(reported(source), [
      'in.ctmpl:2:10: cannot translate "secret": drcon has no equivalent of this function',
      'in.ctmpl:3:5: cannot translate "plugin": drcon has no equivalent of this function',
      'in.ctmpl:3:35: cannot translate "scratch": drcon has no equivalent of this function',
      'in.ctmpl:3:59: cannot translate "executeTemplate": drcon has no equivalent of this function',
      'in.ctmpl:4:1: cannot translate "define": named templates have no drcon equivalent',
      'in.ctmpl:4:23: cannot translate "template": named templates have no drcon equivalent',
      'in.ctmpl:5:24: cannot translate "break": a Handlebars #each cannot stop early',
      'in.ctmpl:5:53: cannot translate "$x": Handlebars cannot change a variable',
      'in.ctmpl:5:63: cannot translate ".ContainsAll": method calls other than .Contains have no drcon equivalent',
    ]);
  });

  test('the rest is translated, with a marker in place of each', () => {
    const { output } = convertTemplate(source);
    assert.equal(
      output,
      [
        'upstream db {',
        '  {{#with (untranslated "secret")}}password {{Data.password}};{{/with}}',
        '  {{toUpper (untranslated "plugin")}} {{untranslated "scratch"}} {{untranslated "executeTemplate"}}',
        '{{untranslated "define"}}{{untranslated "template"}}',
        '{{#each (service "web")}}{{untranslated "break"}}{{/each}}{{untranslated "$x"}}{{untranslated ".ContainsAll"}}',
        '}',
      ].join('\n'),
    );
  });

  test('a template with markers does not load in drcon, so it cannot be deployed by mistake', () => {
    const { output } = convertTemplate(source);
    assert.throws(
      () => Template.fromSource(output, 'out.hbs'),
      (error: unknown) => error instanceof TemplateError && error.message === 'out.hbs:2:11: unknown helper "untranslated"',
    );
  });

  test('variables: undefined, or set from dot outside the block that reads them', () => {
    assert.deepEqual(reported('{{$y}}\n{{$name := .Name}}{{range service "web"}}{{$name}}{{end}}'), [
      'in.ctmpl:1:3: cannot translate "$y": undefined variable',
      'in.ctmpl:2:44: cannot translate "$name": it was set from dot outside the enclosing range or with; declare it with the range or with instead',
    ]);
  });

  test('constants Handlebars cannot write or print like Go', () => {
    assert.deepEqual(reported('{{key "a\\\\"}} {{1.5}} {{\'a\'}} {{nil}}'), [
      'in.ctmpl:1:7: cannot translate "string": the string "a\\\\" ends with a backslash',
      'in.ctmpl:1:17: cannot translate "1.5": printing a floating-point constant is not translated',
      'in.ctmpl:1:25: cannot translate "\'a\'": character constants have no drcon equivalent',
      'in.ctmpl:1:33: cannot translate "nil": nil is not a command',
    ]);
  });

  test('calls with arguments drcon cannot express', () => {
    assert.deepEqual(reported('{{services "dc1"}}{{join ","}}{{eq .A 1 2}}{{and .A .B}}{{service .Name .Tag "x"}}'), [
      'in.ctmpl:1:3: cannot translate "services": only a literal "@datacenter" argument can be translated',
      'in.ctmpl:1:21: cannot translate "join": takes 2 arguments, got 1',
      'in.ctmpl:1:33: cannot translate "eq": eq with more than two arguments is only translated as an if condition',
      'in.ctmpl:1:46: cannot translate "and": drcon has no and helper; it is only translated as an if condition',
      'in.ctmpl:1:59: cannot translate "service": only a query and an optional literal status filter can be translated',
    ]);
  });
});

describe('sources that are not Go templates', () => {
  const syntaxError = (source: string) => {
    try {
      convertTemplate(source);
    } catch (error) {
      assert.ok(error instanceof GoSyntaxError, String(error));
      return error.format('in.ctmpl');
    }
    return assert.fail(`no syntax error for ${JSON.stringify(source)}`);
  };

  test('are refused with the place of the mistake', () => {
    assert.equal(syntaxError('a\n  {{range service "x"}}b'), 'in.ctmpl:2:3: syntax error: {{range}} has no {{end}}');
    assert.equal(syntaxError('a{{end}}'), 'in.ctmpl:1:2: syntax error: unexpected {{end}}');
    assert.equal(syntaxError('{{if .A}}x{{else}}y{{else}}z{{end}}'), 'in.ctmpl:1:20: syntax error: expected {{end}}, found {{else}}');
    assert.equal(syntaxError('x {{.A'), 'in.ctmpl:1:3: syntax error: unclosed action');
    assert.equal(syntaxError('{{/* note */ }}'), 'in.ctmpl:1:13: syntax error: comment ends before closing delimiter');
    assert.equal(syntaxError('{{key "a""b"}}'), 'in.ctmpl:1:10: syntax error: unexpected string "b" in operand');
    assert.equal(syntaxError('{{range $i, $x := .A}}{{end}}{{with $a, $b := .A}}{{end}}'), 'in.ctmpl:1:37: syntax error: too many declarations in with');
    assert.equal(syntaxError('{{(key "a"}}'), 'in.ctmpl:1:11: syntax error: unclosed left paren');
    assert.equal(syntaxError('{{.A | "b"}}'), 'in.ctmpl:1:8: syntax error: non executable command in pipeline stage 2');
  });
});
