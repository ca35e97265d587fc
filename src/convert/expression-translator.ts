// Translates one Go expression into a Handlebars expression: fields become paths relative to the
// current context, variables become block parameters (or the expression they were set to),
// function calls go through the function table. What cannot be translated is reported and
// replaced by the marker helper, so the rest of the expression survives.
import type { SourcePosition } from '../template/template-error.ts';
import { helperSpecs } from '../template/helpers.ts';
import type { ConversionProblem } from './conversion-problem.ts';
import { translateFunction } from './function-table.ts';
import type { GoExpression, GoSimpleOperand } from './go-expression.ts';
import { isPlainName, literalProblem, pathSegment } from './handlebars-expression.ts';
import { call, literal, markerHelper, untranslated, type HbExpression } from './handlebars-syntax.ts';
import type { Scope } from './scope.ts';

export interface Translated {
  expression: HbExpression;
  /** It reads Go's dot (a field, `.`), directly or through a variable. */
  readsDot: boolean;
}

/** consul-template's field names that drcon spells differently. */
const renamedFields: Record<string, string> = { NodeDatacenter: 'Datacenter' };

export class ExpressionTranslator {
  readonly #report: (problem: ConversionProblem) => void;

  constructor(report: (problem: ConversionProblem) => void) {
    this.#report = report;
  }

  /**
   * The expression as Handlebars. Constants in it are not yet checked: printed on their own they
   * are text, which can hold anything; `writable` checks them where they are parameters.
   */
  translate(expression: GoExpression, scope: Scope): Translated {
    const state = { readsDot: false };
    return { expression: this.#expression(expression, scope, state), readsDot: state.readsDot };
  }

  /** The expression with every constant Handlebars cannot write reported and replaced by a marker. */
  writable(expression: HbExpression): HbExpression {
    switch (expression.kind) {
      case 'path':
        return expression;
      case 'literal': {
        const problem = literalProblem(expression.value);
        if (problem === undefined || expression.position === undefined) return expression;
        return this.untranslatable(expression.position, typeof expression.value === 'string' ? 'string' : 'number', problem);
      }
      case 'call':
        return call(
          expression.helper,
          expression.params.map((param) => this.writable(param)),
          expression.hash.map(([key, value]) => [key, this.writable(value)] as const),
        );
    }
  }

  /** Reports a construct and returns the marker that takes its place. */
  untranslatable(position: SourcePosition, construct: string, reason: string): HbExpression {
    this.#report({ position, construct, reason });
    return untranslated(construct);
  }

  #expression(expression: GoExpression, scope: Scope, state: { readsDot: boolean }): HbExpression {
    switch (expression.kind) {
      case 'operand':
        return this.#operand(expression.operand, scope, state);
      case 'call':
        return translateFunction({
          name: expression.name,
          args: expression.args,
          position: expression.position,
          value: (arg) => this.#expression(arg, scope, state),
          literalText: (arg) => (arg.kind === 'operand' && arg.operand.kind === 'string' ? arg.operand.value : undefined),
          fail: (reason) => this.untranslatable(expression.position, expression.name, reason),
        });
      case 'method':
        // consul-template's ServiceTags.Contains is the one method templates commonly call.
        if (expression.method === 'Contains' && expression.args.length === 1) {
          const receiver = this.#expression(expression.receiver, scope, state);
          return call('contains', [receiver, this.#expression(expression.args[0]!, scope, state)]);
        }
        {
          // `scratch.Set …`: the function is what to report, not its method.
          const receiver = this.#expression(expression.receiver, scope, state);
          if (receiver.kind === 'call' && receiver.helper === markerHelper) return receiver;
          return this.untranslatable(expression.position, `.${expression.method}`, 'method calls other than .Contains have no drcon equivalent');
        }
      case 'fields':
        return withFields(this.#expression(expression.target, scope, state), expression.fields);
      case 'notCallable':
        return this.untranslatable(expression.position, 'arguments', 'only functions and methods take arguments');
    }
  }

  #operand(operand: GoSimpleOperand, scope: Scope, state: { readsDot: boolean }): HbExpression {
    switch (operand.kind) {
      case 'dot':
        state.readsDot = true;
        return dotPath([], scope);
      case 'field':
        state.readsDot = true;
        return dotPath(operand.names, scope);
      case 'variable':
        return this.#variable(operand, scope, state);
      case 'string':
        return literal(operand.value, operand.position);
      case 'bool':
        return literal(operand.value);
      case 'nil':
        return literal(null);
      case 'number': {
        const value = goNumber(operand.text);
        if (value === undefined) return this.untranslatable(operand.position, operand.text, 'only decimal, hex, octal and binary numbers are translated');
        return literal(value, operand.position);
      }
      case 'char':
        return this.untranslatable(operand.position, operand.text, 'character constants have no drcon equivalent');
    }
  }

  #variable(operand: Extract<GoSimpleOperand, { kind: 'variable' }>, scope: Scope, state: { readsDot: boolean }): HbExpression {
    const binding = scope.lookup(operand.name);
    const fields = operand.fields.map(rename);
    switch (binding?.kind) {
      case undefined:
        return this.untranslatable(operand.position, operand.name, 'undefined variable');
      case 'root':
        return { kind: 'path', text: ['@root', ...fields.map(pathSegment)].join('.') };
      case 'param':
        return { kind: 'path', text: [binding.path, ...fields.map(pathSegment)].join('.') };
      case 'inline':
        if (binding.readsDot && binding.contextDepth !== scope.contextDepth) {
          return this.untranslatable(operand.position, operand.name, 'it was set from dot outside the enclosing range or with; declare it with the range or with instead');
        }
        state.readsDot ||= binding.readsDot;
        return withFields(binding.expression, fields);
    }
  }
}

/** A field path of Go's dot, written so Handlebars cannot take it for a helper or a block parameter. */
function dotPath(names: readonly string[], scope: Scope): HbExpression {
  const parts = [...scope.dotPath, ...names.map(rename)];
  const [first] = parts;
  if (first === undefined) return { kind: 'path', text: 'this' };
  const ambiguous = !isPlainName(first) || helperSpecs.has(first) || first === markerHelper || scope.hasBlockParam(first);
  return { kind: 'path', text: (ambiguous ? 'this.' : '') + parts.map(pathSegment).join('.') };
}

/** Fields of a value: a longer path, or lookups on a computed one. */
function withFields(expression: HbExpression, fields: readonly string[]): HbExpression {
  if (expression.kind === 'path') return { kind: 'path', text: [expression.text, ...fields.map(pathSegment)].join('.') };
  return fields.reduce<HbExpression>((value, field) => call('lookup', [value, literal(field)]), expression);
}

function rename(field: string): string {
  return Object.hasOwn(renamedFields, field) ? renamedFields[field]! : field;
}

/** A Go number literal's value, for the forms templates use; undefined for the rest. */
function goNumber(text: string): number | undefined {
  const plain = text.replaceAll('_', '');
  const sign = plain.startsWith('-') ? -1 : 1;
  const digits = plain.replace(/^[+-]/, '');
  let value: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(digits)) value = parseInt(digits.slice(2), 16);
  else if (/^0[oO]?[0-7]+$/.test(digits)) value = parseInt(digits.replace(/^0[oO]?/, ''), 8);
  else if (/^0[bB][01]+$/.test(digits)) value = parseInt(digits.slice(2), 2);
  else if (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(digits)) value = Number(digits);
  else return undefined;
  return sign * value;
}
