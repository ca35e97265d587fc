// Writing Handlebars expressions: paths, literals, helper calls, as a parameter `(helper a b)` or
// as the inside of a mustache `helper a b`.
import type { HbExpression } from './handlebars-syntax.ts';

/** Words Handlebars reads as literals or keywords wherever a name would be. */
const reservedWords = new Set(['true', 'false', 'null', 'undefined', 'this', 'as', 'else']);

/** A name usable bare in a path: an identifier Handlebars will not read as something else. */
export function isPlainName(name: string): boolean {
  return /^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name) && !reservedWords.has(name);
}

/** One path segment; other names go in Handlebars' [brackets]. */
export function pathSegment(name: string): string {
  return isPlainName(name) ? name : `[${name}]`;
}

const decimal = /^-?[0-9]+(?:\.[0-9]+)?$/;

/**
 * Why a literal cannot be written in Handlebars, or undefined. Handlebars only unescapes `\"` in
 * strings, so a backslash right before the closing quote cannot be written; its numbers are plain
 * decimals (no exponent, no hex).
 */
export function literalProblem(value: string | number | boolean | null): string | undefined {
  if (typeof value === 'string' && value.endsWith('\\')) return `the string ${JSON.stringify(value)} ends with a backslash`;
  if (typeof value === 'number' && !decimal.test(String(value))) return `the number ${String(value)} has no Handlebars form`;
  return undefined;
}

function literalText(value: string | number | boolean | null): string {
  const problem = literalProblem(value);
  // The translation checks every literal it makes; reaching this is a bug in it.
  if (problem !== undefined) throw new Error(`internal error: ${problem}`);
  if (typeof value !== 'string') return String(value);
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replaceAll('"', '\\"')}"`;
}

/** As a parameter: paths and literals as they are, calls in parentheses. */
export function formatParameter(expression: HbExpression): string {
  switch (expression.kind) {
    case 'path':
      return expression.text;
    case 'literal':
      return literalText(expression.value);
    case 'call':
      return `(${formatCall(expression)})`;
  }
}

/** The inside of `{{…}}` or of a block's opening tag after the helper name. */
export function formatMustache(expression: HbExpression): string {
  return expression.kind === 'call' ? formatCall(expression) : formatParameter(expression);
}

function formatCall(expression: Extract<HbExpression, { kind: 'call' }>): string {
  const params = expression.params.map(formatParameter);
  const hash = expression.hash.map(([key, value]) => `${key}=${formatParameter(value)}`);
  return [expression.helper, ...params, ...hash].join(' ');
}
