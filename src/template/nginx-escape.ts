// What `{{value}}` writes. The output is an Nginx config, not HTML: a value from Consul must stay
// one inert token, whatever it holds. Every character that could end the token (whitespace, `;`),
// open or close a block (`{`, `}`), start a quoted string, an escape, a comment or a variable
// (`"`, `'`, `\`, `#`, `$`), and every control or non-ASCII character, is percent-encoded as its
// UTF-8 bytes (`;` → `%3B`). Everything else passes unchanged, so addresses, host names, ports,
// paths, `a=b`, `x,y` and `[::1]` print as they are. `%` itself is kept (paths are often already
// percent-encoded), so the encoding is safe but not reversible.
//
// Not covered: a value placed inside a regular expression (`location ~ …`) or an `if (…)`
// condition can still change what that expression means; templates must not do that with
// catalog data. `{{{raw}}}` prints a value unescaped and is unsafe for catalog data.
import { HelperCallError, type SourcePosition } from './template-error.ts';
import { describeValue } from './helper-call.ts';

const unsafeCharacter = /[^\x21-\x7e]|[;{}"'\\#$]/gu;
/** The same class without /g and /u: a quick test that most values (names, addresses) pass. */
const anyUnsafeCharacter = /[^\x21-\x7e]|[;{}"'\\#$]/;
const utf8 = new TextEncoder();

export function escapeNginxToken(text: string): string {
  if (!anyUnsafeCharacter.test(text)) return text;
  return text.replace(unsafeCharacter, (character) =>
    Array.from(utf8.encode(character), (byte) => '%' + byte.toString(16).toUpperCase().padStart(2, '0')).join(''),
  );
}

/**
 * Writes one `{{value}}`: text escaped, numbers and booleans as text, nothing for a missing value.
 * A list or an object has no meaningful config form, so printing one is an error at its position.
 */
export function printEscaped(value: unknown, position: Partial<SourcePosition>): string {
  if (typeof value === 'string') return escapeNginxToken(value);
  if (value === undefined || value === null) return '';
  // Digits, signs, ".", "e", "Infinity", "NaN", "true", "false": nothing to escape.
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  const where = position.line === undefined || position.column === undefined ? undefined : { line: position.line, column: position.column };
  throw new HelperCallError(
    `cannot print ${describeValue(value)} here (use #each, join, or a field of it)`,
    where,
  );
}
