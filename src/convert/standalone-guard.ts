// Handlebars removes a "standalone" line — one holding only a block tag ({{#each}}, {{else}},
// {{/each}}) or a comment, and whitespace — while Go keeps every character of the text around
// its tags. Rather than copy Handlebars' rules (which have odd corners, e.g. for {{else if}}
// chains), this asks Handlebars itself: it parses the template and looks for text it trimmed.
// Each tag that caused a trim gets an empty comment, {{!}}, written right after it: a tag
// followed by a comment is never standalone, and the comment itself prints nothing. Trimming
// the template asks for with ~ is expected, not a reason for a guard.
import Handlebars from 'handlebars';

export interface WrittenPiece {
  text: string;
  /** For a block tag or comment, which Handlebars may treat as standalone: the tag and its guard. */
  guardedText: string | undefined;
}

interface TrimmedText {
  start: number;
  end: number;
  startTrimmed: boolean;
  endTrimmed: boolean;
  /** Certainly trimmed at both ends (otherwise, when both flags are set, only one may be). */
  bothTrimmed: boolean;
}

/** The pieces joined, with a guard after every tag Handlebars would otherwise treat as standalone. */
export function withStandaloneGuards(pieces: readonly WrittenPiece[]): string {
  const guarded = new Set<number>();
  for (;;) {
    const starts: number[] = [];
    let source = '';
    pieces.forEach((piece, index) => {
      starts.push(source.length);
      source += guarded.has(index) ? piece.guardedText : piece.text;
    });
    const endingAt = new Map<number, number>();
    const startingAt = new Map<number, number>();
    pieces.forEach((piece, index) => {
      if (piece.guardedText === undefined || guarded.has(index)) return;
      endingAt.set(starts[index]! + piece.text.length, index);
      startingAt.set(starts[index]!, index);
    });

    const trimmed = trimmedTexts(source);
    if (trimmed.length === 0) return source;
    let added = false;
    for (const text of trimmed) {
      // Text trimmed at its start was trimmed for the tag before it; at its end, for the tag after.
      // When it cannot be told which (both fit), one guard at a time: the next pass shows whether
      // the other is needed too.
      const suspects = [text.startTrimmed ? endingAt.get(text.start) : undefined, text.endTrimmed ? startingAt.get(text.end) : undefined];
      const ambiguous = text.startTrimmed && text.endTrimmed && !text.bothTrimmed;
      if (ambiguous && suspects.some((index) => index !== undefined && guarded.has(index))) continue;
      for (const index of suspects) {
        if (index === undefined || guarded.has(index)) continue;
        guarded.add(index);
        added = true;
        if (ambiguous) break;
      }
    }
    if (!added) throw new Error('internal error: Handlebars trims text the converter cannot protect');
  }
}

/** Text statements that Handlebars trimmed more than their ~ markers ask for. */
function trimmedTexts(source: string): TrimmedText[] {
  const lineStarts = [0];
  for (const match of source.matchAll(/\r\n?|\n/g)) lineStarts.push(match.index + match[0].length);
  const offset = (at: { line: number; column: number }) => lineStarts[at.line - 1]! + at.column;

  const found: TrimmedText[] = [];
  const visit = (node: hbs.AST.Node | undefined | null): void => {
    if (node === undefined || node === null) return;
    if (node.type === 'Program') {
      for (const statement of (node as hbs.AST.Program).body) visit(statement);
    } else if (node.type === 'BlockStatement') {
      visit((node as hbs.AST.BlockStatement).program);
      visit((node as hbs.AST.BlockStatement).inverse);
    } else if (node.type === 'ContentStatement') {
      // The typings call `original` StripFlags; for text it is the source text.
      const { value, original, loc } = node as unknown as { value: string; original: string; loc: hbs.AST.SourceLocation };
      const start = offset(loc.start);
      const end = offset(loc.end);
      let expected = original;
      if (start >= 3 && source.startsWith('~}}', start - 3)) expected = expected.replace(/^\s+/, '');
      if (source.startsWith('{{~', end)) expected = expected.replace(/\s+$/, '');
      if (value === expected) return;
      // Removing a prefix leaves an ending, removing a suffix a beginning; neither fits when both
      // were removed.
      const prefixRemoved = expected.endsWith(value);
      const suffixRemoved = expected.startsWith(value);
      const bothTrimmed = !prefixRemoved && !suffixRemoved;
      found.push({ start, end, startTrimmed: prefixRemoved || bothTrimmed, endTrimmed: suffixRemoved || bothTrimmed, bothTrimmed });
    }
  };
  visit(Handlebars.parse(source));
  return found;
}
