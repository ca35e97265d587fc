// A reading of Nginx configuration text into its statements, as Nginx's own parser splits it:
// words, quoted strings (with backslash escapes), `#` comments at the start of a word, `;`, `{`
// and `}`. The hostile-input tests compare this structure with what the template must produce:
// a catalog value that added, removed or changed a directive would show up here.

export interface Statement {
  /** Number of enclosing blocks. */
  depth: number;
  /** The directive's name and its arguments, quotes removed. */
  words: string[];
  /** Ends with `{` (opens a block) rather than `;`. */
  block: boolean;
}

export function nginxStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  let words: string[] = [];
  let depth = 0;
  let i = 0;
  const end = (block: boolean) => {
    statements.push({ depth, words, block });
    words = [];
  };
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (char === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (char === ';') {
      end(false);
      i++;
    } else if (char === '{') {
      end(true);
      depth++;
      i++;
    } else if (char === '}') {
      if (words.length > 0) throw new Error(`unterminated statement before "}": ${words.join(' ')}`);
      depth--;
      if (depth < 0) throw new Error('unbalanced "}"');
      i++;
    } else if (char === '"' || char === "'") {
      let word = '';
      i++;
      while (i < text.length && text[i] !== char) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        word += text[i++];
      }
      if (i >= text.length) throw new Error('unterminated quoted string');
      i++;
      words.push(word);
    } else {
      let word = '';
      while (i < text.length && !/[\s;{}]/.test(text[i]!)) word += text[i++];
      words.push(word);
    }
  }
  if (depth !== 0 || words.length > 0) throw new Error('configuration ends inside a block or statement');
  return statements;
}
