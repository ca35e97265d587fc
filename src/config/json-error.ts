// Turns a JSON.parse failure into "file:line:col: message". V8 gives a position for most syntax
// errors but not for "Unexpected token" ones (it quotes the whole text instead), so for those a
// small scanner finds where the text stops being JSON.

export function describeJsonError(text: string, error: unknown, file: string): string {
  const raw = error instanceof Error ? error.message : String(error);
  const v8Position = /\(line (\d+) column (\d+)\)/.exec(raw);
  if (v8Position) {
    const message = raw.replace(/ in JSON at position.*$/s, '');
    return `${file}:${v8Position[1]}:${v8Position[2]}: ${lowerFirst(message)}`;
  }
  if (raw === 'Unexpected end of JSON input') return `${file}:${where(text, text.length)}: unexpected end of input`;
  // "Unexpected token 'x', "…the text…" is not valid JSON": the token is the character we find.
  let offset: number;
  try {
    offset = Math.max(0, firstInvalidOffset(text));
  } catch (error) {
    // The scanner recurses per level: text nested thousands deep exhausts the stack.
    if (error instanceof RangeError) return `${file}: not valid JSON (nested too deeply to say where)`;
    throw error;
  }
  const char = text[offset] ?? '';
  const token = /^[\x21-\x7e]$/.test(char) ? `'${char}'` : JSON.stringify(char);
  return `${file}:${where(text, offset)}: unexpected token ${token}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** "line:column" of `offset`, both counted from 1. */
function where(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `${before.split('\n').length}:${offset - before.lastIndexOf('\n')}`;
}

/** Offset of the first character at which `text` is no longer valid JSON (text.length at a premature end). */
export function firstInvalidOffset(text: string): number {
  let i = 0;
  const stop = (): never => {
    throw new InvalidAt(i);
  };
  const skipBlanks = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (char: string): void => {
    if (text[i] !== char) stop();
    i++;
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const char = text[i];
      if (char === undefined || char < ' ') stop();
      i++;
      if (char === '"') return;
      if (char === '\\') {
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) stop();
          i += 5;
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i]!)) i++;
        else stop();
      }
    }
  };
  const sequence = (close: string, item: () => void): void => {
    i++;
    skipBlanks();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      skipBlanks();
      if (text[i] === close) return void i++;
      expect(',');
    }
  };
  const value = (): void => {
    skipBlanks();
    const char = text[i];
    if (char === '{') {
      sequence('}', () => {
        skipBlanks();
        string();
        skipBlanks();
        expect(':');
        value();
      });
    } else if (char === '[') sequence(']', value);
    else if (char === '"') string();
    else if (char !== undefined && 'tfn'.includes(char)) {
      // Advance while the word matches so "tru}" stops at the "}", where V8 complains.
      const word = char === 't' ? 'true' : char === 'f' ? 'false' : 'null';
      for (const letter of word) expect(letter);
    } else {
      const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
      number.lastIndex = i;
      if (!number.test(text)) stop();
      i = number.lastIndex;
    }
  };
  try {
    value();
    skipBlanks();
    if (i < text.length) stop();
    return -1;
  } catch (error) {
    if (error instanceof InvalidAt) return error.offset;
    throw error;
  }
}

class InvalidAt {
  readonly offset: number;
  constructor(offset: number) {
    this.offset = offset;
  }
}
