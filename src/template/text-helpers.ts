// Helpers for text and comparisons, named as in consul-template where it has them.
import type { RE2JS } from 're2js';
import { goRegexp, GoRegexpError, goReplaceAll } from './go-regexp.ts';
import { defineHelper, describeValue, type HelperCall, type HelperDefinition } from './helper-call.ts';

export const textHelpers: Record<string, HelperDefinition> = {
  toLower: defineHelper('toLower', { params: ['text'], pure: true }, ([text], call) => call.text(text, 'the value').toLowerCase()),

  toUpper: defineHelper('toUpper', { params: ['text'], pure: true }, ([text], call) => call.text(text, 'the value').toUpperCase()),

  join: defineHelper('join', { params: ['list', 'separator'], pure: true }, ([list, separator], call) =>
    call
      .list(list, 'the list')
      .map((item) => call.text(item, 'each item'))
      .join(call.text(separator, 'the separator')),
  ),

  replaceAll: defineHelper('replaceAll', { params: ['text', 'from', 'to'], pure: true }, ([text, from, to], call) => {
    const search = call.text(from, 'from');
    if (search === '') call.fail('from must not be empty');
    return call.text(text, 'the value').replaceAll(search, call.text(to, 'to'));
  }),

  contains: defineHelper('contains', { params: ['listOrText', 'item'], pure: true }, ([haystack, needle], call) => contains(haystack, needle, call)),

  // consul-template's name for contains, with the same order (`in .Tags "x"`).
  in: defineHelper('in', { params: ['listOrText', 'item'], pure: true }, ([haystack, needle], call) => contains(haystack, needle, call)),

  containsAny: defineHelper('containsAny', { params: ['list', 'items'], pure: true }, ([list, items], call) => {
    const wanted = call.list(items, 'the items');
    return wanted.some((item) => contains(call.list(list, 'the list'), item, call));
  }),

  containsAll: defineHelper('containsAll', { params: ['list', 'items'], pure: true }, ([list, items], call) => {
    const wanted = call.list(items, 'the items');
    return wanted.every((item) => contains(call.list(list, 'the list'), item, call));
  }),

  // As consul-template's split: the text is trimmed first, and empty text is an empty list.
  split: defineHelper('split', { params: ['text', 'separator'], pure: true }, ([text, separator], call) => {
    const whole = trimGoSpace(call.text(text, 'the text'));
    return whole === '' ? [] : whole.split(call.text(separator, 'the separator'));
  }),

  startsWith: defineHelper('startsWith', { params: ['text', 'prefix'], pure: true }, ([text, prefix], call) =>
    call.text(text, 'the value').startsWith(call.text(prefix, 'the prefix')),
  ),

  trimPrefix: defineHelper('trimPrefix', { params: ['text', 'prefix'], pure: true }, ([text, prefix], call) => {
    const whole = call.text(text, 'the value');
    const start = call.text(prefix, 'the prefix');
    return whole.startsWith(start) ? whole.slice(start.length) : whole;
  }),

  trimSuffix: defineHelper('trimSuffix', { params: ['text', 'suffix'], pure: true }, ([text, suffix], call) => {
    const whole = call.text(text, 'the value');
    const end = call.text(suffix, 'the suffix');
    return end !== '' && whole.endsWith(end) ? whole.slice(0, -end.length) : whole;
  }),

  trimSpace: defineHelper('trimSpace', { params: ['text'], pure: true }, ([text], call) => trimGoSpace(call.text(text, 'the value'))),

  regexMatch: defineHelper('regexMatch', { params: ['text', 'pattern'], pure: true }, ([text, pattern], call) => {
    return regexp(call, pattern).test(call.text(text, 'the value'));
  }),

  regexReplaceAll: defineHelper('regexReplaceAll', { params: ['text', 'pattern', 'replacement'], pure: true }, ([text, pattern, replacement], call) =>
    goReplaceAll(call.text(text, 'the value'), regexp(call, pattern), call.text(replacement, 'the replacement')),
  ),

  // Strict equality, as in Go templates: the number 80 is not the text "80".
  eq: defineHelper('eq', { params: ['a', 'b'], pure: true }, ([a, b], call) => comparable(a, call) === comparable(b, call)),

  ne: defineHelper('ne', { params: ['a', 'b'], pure: true }, ([a, b], call) => comparable(a, call) !== comparable(b, call)),
};

/** Whether a list holds the item (compared as eq does), or a text holds the text. */
function contains(haystack: unknown, needle: unknown, call: HelperCall): boolean {
  if (Array.isArray(haystack)) return haystack.includes(comparable(needle, call));
  return call.text(haystack, 'the list or text').includes(call.text(needle, 'the item'));
}

/** The call's pattern, in Go's syntax; a pattern Go would refuse fails at the call. */
function regexp(call: HelperCall, pattern: unknown): RE2JS {
  try {
    return goRegexp(call.text(pattern, 'the pattern'));
  } catch (error) {
    if (error instanceof GoRegexpError) call.fail(error.message);
    throw error;
  }
}

/** Go's unicode.IsSpace, which JavaScript's trim() differs from (U+0085 yes, U+FEFF no). */
const goSpace = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const goSpaceAtEnds = new RegExp(`^${goSpace}+|${goSpace}+$`, 'g');

/** strings.TrimSpace, so split and trimSpace give consul-template's bytes. */
function trimGoSpace(text: string): string {
  return text.replace(goSpaceAtEnds, '');
}

/** Comparing lists or objects by identity would always say "different": refuse it instead. */
function comparable(value: unknown, call: HelperCall): unknown {
  if (typeof value === 'object' && value !== null) call.fail(`cannot compare ${describeValue(value)}`);
  return value;
}
