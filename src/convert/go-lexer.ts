// Splits a Go text/template source into text, comments and actions, and each action into tokens,
// following Go's lexer: `{{- ` / ` -}}` trim markers, `{{/* … */}}` comments, quoted and raw
// strings, numbers, fields, variables. Text is kept as written; each tag records its trim
// markers, and whoever writes the text applies them (see emit.ts).
import type { SourcePosition } from '../template/template-error.ts';
import { GoSyntaxError } from './conversion-problem.ts';
import { decodeGoString } from './go-string.ts';
import { LineIndex } from './line-index.ts';

export interface Trim {
  /** `{{-`: the whitespace ending the text before the tag is not output. */
  left: boolean;
  /** `-}}`: the whitespace starting the text after the tag is not output. */
  right: boolean;
}

export type GoTokenKind =
  | 'identifier'
  | 'keyword'
  | 'field'
  | 'variable'
  | 'string'
  | 'char'
  | 'number'
  | 'bool'
  | 'dot'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'comma';

export interface GoToken {
  kind: GoTokenKind;
  /** Decoded strings; names without their sigil stay as written (`.Name`, `$x`). */
  value: string;
  position: SourcePosition;
  /** Whitespace separates it from the token before (Go needs it between arguments). */
  spaceBefore: boolean;
}

export type GoItem =
  | { kind: 'text'; text: string; position: SourcePosition }
  | { kind: 'comment'; text: string; position: SourcePosition; trim: Trim }
  | { kind: 'action'; tokens: GoToken[]; position: SourcePosition; trim: Trim };

const keywords = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil']);

/** Go's isSpace: the only characters a trim marker removes. */
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const alphanumeric = /^[\p{L}\p{Nd}_]$/u;
const isAlphanumeric = (c: string | undefined) => c !== undefined && alphanumeric.test(c);

export function lexGoTemplate(source: string): GoItem[] {
  const lines = new LineIndex(source);
  const at = (offset: number) => lines.position(offset);
  const fail = (problem: string, offset: number): never => {
    throw new GoSyntaxError(problem, at(offset));
  };
  const items: GoItem[] = [];
  let offset = 0;

  const pushText = (text: string, start: number) => {
    if (text !== '') items.push({ kind: 'text', text, position: at(start) });
  };

  /** A right delimiter at `i`: `}}`, or ` -}}` that also trims what follows. */
  const rightDelimiter = (i: number): { trim: boolean; length: number } | undefined => {
    if (isSpace(source[i]) && source[i + 1] === '-' && source.startsWith('}}', i + 2)) return { trim: true, length: 4 };
    if (source.startsWith('}}', i)) return { trim: false, length: 2 };
    return undefined;
  };

  while (offset < source.length) {
    const open = source.indexOf('{{', offset);
    if (open < 0) {
      pushText(source.slice(offset), offset);
      break;
    }
    let inside = open + 2;
    const trimLeft = source[inside] === '-' && isSpace(source[inside + 1]);
    pushText(source.slice(offset, open), offset);
    if (trimLeft) inside += 2;

    if (source.startsWith('/*', inside)) {
      const end = source.indexOf('*/', inside + 2);
      if (end < 0) fail('unclosed comment', open);
      const close = rightDelimiter(end + 2) ?? fail('comment ends before closing delimiter', end + 2);
      items.push({ kind: 'comment', text: source.slice(inside + 2, end), position: at(open), trim: { left: trimLeft, right: close.trim } });
      offset = end + 2 + close.length;
      continue;
    }

    const tokens: GoToken[] = [];
    let i = inside;
    let parenDepth = 0;
    let spaceBefore = trimLeft;
    const push = (kind: GoTokenKind, value: string, start: number) => {
      tokens.push({ kind, value, position: at(start), spaceBefore });
      spaceBefore = false;
    };
    /** After a name, Go wants a space, a delimiter or punctuation. */
    const expectTerminator = (end: number) => {
      const c = source[end];
      const ok = c === undefined || isSpace(c) || '.,|:()'.includes(c) || source.startsWith('}}', end);
      if (!ok) fail(`bad character ${JSON.stringify(c)}`, end);
    };

    for (;;) {
      const close = rightDelimiter(i);
      if (close !== undefined) {
        if (parenDepth > 0) fail('unclosed left paren', i);
        items.push({ kind: 'action', tokens, position: at(open), trim: { left: trimLeft, right: close.trim } });
        offset = i + close.length;
        break;
      }
      if (i >= source.length) fail('unclosed action', open);
      const c = source[i]!;
      const start = i;
      if (isSpace(c)) {
        // The last space before "-}}" belongs to the trim marker.
        while (isSpace(source[i]) && rightDelimiter(i) === undefined) i++;
        spaceBefore = true;
        continue;
      }
      if (c === '=') {
        push('assign', '=', start);
        i++;
      } else if (c === ':') {
        if (source[i + 1] !== '=') fail('expected :=', i);
        push('declare', ':=', start);
        i += 2;
      } else if (c === '|') {
        push('pipe', '|', start);
        i++;
      } else if (c === ',') {
        push('comma', ',', start);
        i++;
      } else if (c === '(') {
        parenDepth++;
        push('leftParen', '(', start);
        i++;
      } else if (c === ')') {
        if (--parenDepth < 0) fail('unexpected right paren', i);
        push('rightParen', ')', start);
        i++;
      } else if (c === '"' || c === '`') {
        const end = c === '"' ? quotedEnd(source, i, fail) : source.indexOf('`', i + 1);
        if (end < 0) fail('unterminated raw quoted string', i);
        const literal = source.slice(i, end + 1);
        const value = decodeGoString(literal) ?? fail(`invalid string ${literal}`, i);
        push('string', value, start);
        i = end + 1;
      } else if (c === "'") {
        const end = quotedEnd(source, i, fail, "'");
        push('char', source.slice(i, end + 1), start);
        i = end + 1;
      } else if (c === '$' || (c === '.' && !/[0-9]/.test(source[i + 1] ?? ''))) {
        i++;
        while (isAlphanumeric(source[i])) i++;
        expectTerminator(i);
        const name = source.slice(start, i);
        push(c === '$' ? 'variable' : name === '.' ? 'dot' : 'field', name, start);
      } else if (c === '+' || c === '-' || c === '.' || /[0-9]/.test(c)) {
        const match = /^[+-]?(?:0[xXoObB])?[0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[eEpP][+-]?[0-9_]+)?i?/.exec(source.slice(i))!;
        i += match[0].length;
        if (!/[0-9]/.test(match[0]) || isAlphanumeric(source[i])) fail(`bad number syntax: ${JSON.stringify(source.slice(start, i + 1))}`, start);
        push('number', match[0], start);
      } else if (isAlphanumeric(c)) {
        while (isAlphanumeric(source[i])) i++;
        expectTerminator(i);
        const word = source.slice(start, i);
        push(word === 'true' || word === 'false' ? 'bool' : keywords.has(word) ? 'keyword' : 'identifier', word, start);
      } else {
        fail(`unrecognized character in action: ${JSON.stringify(c)}`, i);
      }
    }
  }
  return items;
}

/** The index of the quote closing the one at `start`; a newline or the end is an error. */
function quotedEnd(source: string, start: number, fail: (problem: string, offset: number) => never, quote = '"'): number {
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === quote) return i;
    else if (c === '\n') break;
  }
  return fail(quote === '"' ? 'unterminated quoted string' : 'unterminated character constant', start);
}
