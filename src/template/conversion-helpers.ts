// Helpers that turn text into data and back, as consul-template's do: parseJSON (route tables
// kept in KV), parseInt, parseBool, toJSON, base64Encode and base64Decode.
import { compareText } from '../dependency/text-order.ts';
import { defineHelper, type HelperDefinition } from './helper-call.ts';

export const conversionHelpers: Record<string, HelperDefinition> = {
  // Empty text is an empty object, as in consul-template (a key not written yet parses).
  parseJSON: defineHelper('parseJSON', { params: ['text'], pure: true }, ([text], call) => {
    const source = call.text(text, 'the text');
    if (source.trim() === '') return {};
    try {
      return withSortedKeys(JSON.parse(source));
    } catch (error) {
      return call.fail(`not JSON: ${(error as Error).message}`);
    }
  }),

  // strconv.ParseInt(text, 10, 64), limited to the whole numbers JavaScript holds exactly.
  parseInt: defineHelper('parseInt', { params: ['text'], pure: true }, ([text], call) => {
    const source = call.text(text, 'the text');
    if (source === '') return 0;
    const value = /^[+-]?\d+$/.test(source) ? Number(source) : NaN;
    if (!Number.isSafeInteger(value)) call.fail(`${JSON.stringify(source)} is not a whole number between -2^53 and 2^53`);
    return value;
  }),

  // strconv.ParseBool's spellings; empty text is false, as in consul-template.
  parseBool: defineHelper('parseBool', { params: ['text'], pure: true }, ([text], call) => {
    const source = call.text(text, 'the text');
    if (source === '' || falseWords.has(source)) return false;
    if (trueWords.has(source)) return true;
    return call.fail(`${JSON.stringify(source)} is not a boolean (true, false, 1, 0, t, f in any of Go's spellings)`);
  }),

  toJSON: defineHelper('toJSON', { params: ['value'], pure: true }, ([value]) => goJson(value)),

  base64Encode: defineHelper('base64Encode', { params: ['text'], pure: true }, ([text], call) =>
    Buffer.from(call.text(text, 'the text'), 'utf8').toString('base64'),
  ),

  base64Decode: defineHelper('base64Decode', { params: ['text'], pure: true }, ([text], call) => {
    // Go's standard decoding: padded, and line breaks ignored; Node's own would skip anything.
    const source = call.text(text, 'the text').replace(/[\r\n]/g, '');
    if (!paddedBase64.test(source)) call.fail('not base64 (standard alphabet, with = padding)');
    return Buffer.from(source, 'base64').toString('utf8');
  }),
};

const trueWords = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const falseWords = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const paddedBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Go decodes a JSON object into a map, which templates range over (and json.Marshal writes) in
 * key order: objects are rebuilt with sorted keys. (fromEntries keeps a "__proto__" key a key.)
 */
function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => compareText(a, b));
  return Object.fromEntries(entries.map(([key, entry]) => [key, withSortedKeys(entry)]));
}

/**
 * json.Marshal's bytes: object keys in Go's order (bytewise, where JavaScript puts whole-number
 * keys first), and <, >, &, U+2028, U+2029 escaped as Go escapes them.
 */
function goJson(value: unknown): string {
  return marshal(value).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function marshal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(marshal).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, entry]) => entry !== undefined).sort(([a], [b]) => compareText(a, b));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${marshal(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
