// Helpers for text and comparisons, named as in consul-template where it has them.
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

  contains: defineHelper('contains', { params: ['listOrText', 'item'], pure: true }, ([haystack, needle], call) => {
    if (Array.isArray(haystack)) return haystack.includes(comparable(needle, call));
    return call.text(haystack, 'the list or text').includes(call.text(needle, 'the item'));
  }),

  startsWith: defineHelper('startsWith', { params: ['text', 'prefix'], pure: true }, ([text, prefix], call) =>
    call.text(text, 'the value').startsWith(call.text(prefix, 'the prefix')),
  ),

  trimPrefix: defineHelper('trimPrefix', { params: ['text', 'prefix'], pure: true }, ([text, prefix], call) => {
    const whole = call.text(text, 'the value');
    const start = call.text(prefix, 'the prefix');
    return whole.startsWith(start) ? whole.slice(start.length) : whole;
  }),

  // Strict equality, as in Go templates: the number 80 is not the text "80".
  eq: defineHelper('eq', { params: ['a', 'b'], pure: true }, ([a, b], call) => comparable(a, call) === comparable(b, call)),

  ne: defineHelper('ne', { params: ['a', 'b'], pure: true }, ([a, b], call) => comparable(a, call) !== comparable(b, call)),
};

/** Comparing lists or objects by identity would always say "different": refuse it instead. */
function comparable(value: unknown, call: HelperCall): unknown {
  if (typeof value === 'object' && value !== null) call.fail(`cannot compare ${describeValue(value)}`);
  return value;
}
