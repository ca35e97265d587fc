// Nginx blocks end in "}", and a Handlebars tag often closes right before one: `{{/each}}}`.
// Handlebars' lexer reads "}}}" (and "}}}}") as the close of a triple-stash (or of a raw block)
// whatever opened the tag, so such a template fails to parse. drcon's lexer reads the braces as
// the tag that is open: after `{{`, "}}}" is "}}" and the text "}"; after `{{{`, "}}}}" is "}}}"
// and "}". Triple-stashes and raw blocks close as before.

/** The parts of Handlebars' (Jison) lexer this file touches. */
interface JisonLexer {
  next(): number | string | undefined;
  yytext: string;
  yyleng: number;
  match: string;
  matched: string;
  _input: string;
  yylloc: { first_line: number; first_column: number; last_line: number; last_column: number };
  popState(): string;
}

export interface JisonParser {
  lexer: JisonLexer;
  symbols_: Record<string, number>;
  terminals_: Record<number, string>;
}

type Opener = 'double' | 'triple' | 'raw';

const openers: Record<string, Opener> = {
  OPEN: 'double',
  OPEN_BLOCK: 'double',
  OPEN_ENDBLOCK: 'double',
  OPEN_INVERSE: 'double',
  OPEN_INVERSE_CHAIN: 'double',
  OPEN_PARTIAL: 'double',
  OPEN_PARTIAL_BLOCK: 'double',
  OPEN_UNESCAPED: 'triple',
  OPEN_RAW_BLOCK: 'raw',
};

/**
 * A lexer over `parser`'s own that closes each tag with as many braces as opened it and hands any
 * further "}" back as text. Its state is its own; the shared lexer is not changed.
 */
export function braceAwareLexer(parser: JisonParser): JisonLexer {
  const shared = parser.lexer;
  const lexer = Object.create(shared) as JisonLexer;
  const name = (token: number | string | undefined) => (typeof token === 'number' ? parser.terminals_[token] : token);
  let opener: Opener | undefined;
  lexer.next = function next(this: JisonLexer) {
    const token = shared.next.call(this);
    const kind = name(token);
    if (kind !== undefined && kind in openers) opener = openers[kind];
    if (kind === 'CLOSE_UNESCAPED' && opener === 'double' && this.yytext === '}}}') return giveBack(this, 1, parser.symbols_['CLOSE']!);
    if (kind === 'CLOSE_RAW_BLOCK' && (opener === 'double' || opener === 'triple')) {
      // Handlebars' rule for "}}}}" has entered the raw-block state: leave it, back to text.
      this.popState();
      return opener === 'double' ? giveBack(this, 2, parser.symbols_['CLOSE']!) : giveBack(this, 1, parser.symbols_['CLOSE_UNESCAPED']!);
    }
    return token;
  };
  return lexer;
}

/** Ends the token `count` braces early: they are read again, as text, by the next token. */
function giveBack(lexer: JisonLexer, count: number, token: number): number {
  lexer._input = '}'.repeat(count) + lexer._input;
  lexer.yytext = lexer.yytext.slice(0, -count);
  lexer.yyleng = lexer.yytext.length;
  lexer.match = lexer.match.slice(0, -count);
  lexer.matched = lexer.matched.slice(0, -count);
  lexer.yylloc = { ...lexer.yylloc, last_column: lexer.yylloc.last_column - count };
  return token;
}
