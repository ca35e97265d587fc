// Limits on what a template may ask of the Handlebars compiler, checked on the source text before
// parsing. Compiling costs tens of kilobytes of memory per expression, so a 10 MB template dense
// with expressions would exhaust the heap and end the process; and the parser recurses per nested
// block, so thousands of nested blocks would exhaust the stack after a long time. Plain text costs
// next to nothing and is not limited.
import { TemplateError } from './template-error.ts';

/** Far above any real template (the shipped one has under 100), far below a heap problem. */
export const mostExpressions = 10_000;
export const deepestNesting = 100;

/** Throws a TemplateError at the expression that goes over a limit. */
export function checkTemplateLimits(source: string, file: string): void {
  let expressions = 0;
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (at: number, problem: string): never => {
    throw new TemplateError(file, problem, { line, column: at - lineStart + 1 });
  };
  for (let at = source.indexOf('{{'); at !== -1; at = source.indexOf('{{', at)) {
    // Line numbers up to `at`, counted incrementally.
    for (let newline = source.indexOf('\n', lineStart); newline !== -1 && newline < at; newline = source.indexOf('\n', lineStart)) {
      line++;
      lineStart = newline + 1;
    }
    // A comment may hold anything, expressions included: skip to its end.
    const comment = /^\{\{~?!(--)?/.exec(source.slice(at, at + 5));
    if (comment) {
      const end = source.indexOf(comment[1] ? '--' : '}}', at + comment[0].length);
      at = end === -1 ? source.length : end + 2;
      continue;
    }
    if (++expressions > mostExpressions) {
      fail(at, `more than ${mostExpressions} expressions: compiling them would take too much memory; split the template`);
    }
    const opener = /^\{\{~?([#/]|\^(?!~?\}\}))/.exec(source.slice(at, at + 5))?.[1];
    if (opener === '/') depth = Math.max(0, depth - 1);
    else if (opener !== undefined && ++depth > deepestNesting) fail(at, `blocks nested more than ${deepestNesting} deep`);
    at = checkParentheses(source, at + 2, (where) => fail(where, `sub-expressions nested more than ${deepestNesting} deep`));
  }
}

/**
 * Scans one expression from `from` to its closing braces (outside string literals), calling
 * `tooDeep` where parentheses nest deeper than the limit; returns where the expression ends.
 */
function checkParentheses(source: string, from: number, tooDeep: (at: number) => never): number {
  let depth = 0;
  let quote: string | undefined;
  for (let at = from; at < source.length; at++) {
    const char = source[at]!;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '(') {
      if (++depth > deepestNesting) tooDeep(at);
    } else if (char === ')') {
      depth--;
    } else if (char === '}' && source[at + 1] === '}') {
      return at;
    }
  }
  return source.length;
}
