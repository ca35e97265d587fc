// The value of a Go string literal: "interpreted" with backslash escapes, or `raw` (where carriage
// returns are dropped, as Go drops them).

const simpleEscapes: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** undefined for an invalid escape, or bytes that are not UTF-8 text. */
export function decodeGoString(literal: string): string | undefined {
  if (literal.startsWith('`')) return literal.slice(1, -1).replaceAll('\r', '');
  // Escapes like \xff give bytes, not characters, so the value is built as bytes.
  const bytes: number[] = [];
  const body = literal.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      const code = body.codePointAt(i)!;
      if (code > 0xffff) i++;
      bytes.push(...utf8.encode(String.fromCodePoint(code)));
      continue;
    }
    const kind = body[++i];
    if (kind === undefined) return undefined;
    const simple = simpleEscapes[kind];
    if (simple !== undefined) {
      bytes.push(simple);
    } else if (/[0-7]/.test(kind)) {
      const digits = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) return undefined;
      bytes.push(parseInt(digits, 8));
      i += 2;
    } else if (kind === 'x' || kind === 'u' || kind === 'U') {
      const length = kind === 'x' ? 2 : kind === 'u' ? 4 : 8;
      const digits = body.slice(i + 1, i + 1 + length);
      if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(digits)) return undefined;
      const value = parseInt(digits, 16);
      if (kind === 'x') {
        bytes.push(value);
      } else {
        if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return undefined;
        bytes.push(...utf8.encode(String.fromCodePoint(value)));
      }
      i += length;
    } else {
      return undefined;
    }
  }
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}
