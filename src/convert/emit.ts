// Writes the Handlebars tree as template source that renders Go's bytes: text escaped so
// Handlebars prints it as is, Go's trim markers as ~ where Handlebars removes exactly what Go
// does (elsewhere the whitespace is removed here instead), and a guard after every tag Handlebars
// would otherwise treat as standalone (see standalone-guard.ts).
import { formatMustache, formatParameter } from './handlebars-expression.ts';
import type { HbBlock, HbNode, Strip } from './handlebars-syntax.ts';
import { withStandaloneGuards, type WrittenPiece } from './standalone-guard.ts';

interface TagPiece {
  kind: 'tag';
  inside: string;
  strip: Strip;
  guardable: boolean;
}
type Piece = { kind: 'text'; text: string } | TagPiece | { kind: 'trim'; strip: Strip };

/** Go's trim markers remove only these; Handlebars' ~ removes any Unicode whitespace. */
const goTrimEnd = (text: string) => text.replace(/[ \t\r\n]+$/, '');
const goTrimStart = (text: string) => text.replace(/^[ \t\r\n]+/, '');

/**
 * "{" just before a tag would make "{{{", which Handlebars reads as a triple-stash. Go never
 * writes that itself, but a printed constant can; the brace is then printed by a tag of its own.
 */
const openingBrace: TagPiece = { kind: 'tag', inside: '{toLower "{"}', strip: { left: false, right: false }, guardable: false };

export function emitHandlebars(nodes: readonly HbNode[]): string {
  const collected: Piece[] = [];
  collect(nodes, collected);
  const pieces = placeTrimMarkers(collected);
  return withStandaloneGuards(
    pieces.map((piece, index): WrittenPiece => {
      if (piece.kind === 'text') return { text: escapeText(piece.text, index < pieces.length - 1), guardedText: undefined };
      // "}" just after a tag would close it as "}}}"; a ~ there removes nothing and keeps "}}" apart.
      const next = pieces[index + 1];
      const right = piece.strip.right || (next?.kind === 'text' && next.text.startsWith('}'));
      return {
        text: tagText(piece.inside, piece.strip.left, right),
        // The guard goes right after the tag, so the tag's ~ moves onto it to still reach the text.
        guardedText: piece.guardable ? tagText(piece.inside, piece.strip.left, false) + (right ? '{{!~}}' : '{{!}}') : undefined,
      };
    }),
  );
}

function collect(nodes: readonly HbNode[], out: Piece[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
      case 'trim':
        out.push(node);
        break;
      case 'mustache':
        out.push({ kind: 'tag', inside: formatMustache(node.expression), strip: node.strip, guardable: false });
        break;
      case 'comment':
        // A Handlebars comment ends at the first "--}}"; a space keeps the Go comment whole.
        out.push({ kind: 'tag', inside: `!--${node.text.replace(/--(~?)}}/g, '-- $1}}')}--`, strip: node.strip, guardable: true });
        break;
      case 'block':
        out.push({ kind: 'tag', inside: `#${node.helper} ${opening(node)}`, strip: node.strip.open, guardable: true });
        collect(node.body, out);
        collectInverse(node, out);
        if (isChain(node)) {
          // The text before {{/if}} is the last branch's, trimmed here (see collectInverse).
          out.push({ kind: 'trim', strip: { left: lastInChain(node).strip.close.left, right: false } });
          out.push({ kind: 'tag', inside: `/${node.helper}`, strip: { left: false, right: node.strip.close.right }, guardable: true });
        } else {
          out.push({ kind: 'tag', inside: `/${node.helper}`, strip: node.strip.close, guardable: true });
        }
        break;
    }
  }
}

/**
 * `{{else}}` and the inverse, or `{{else if …}}` and the chained block's parts. Handlebars
 * applies ~ on the tags of an {{else if}} chain to the wrong branches (its parser gives each
 * chained block the markers of the tag after it), so inside a chain the text is trimmed here.
 */
function collectInverse(block: HbBlock, out: Piece[], inChain = false): void {
  if (block.inverse === undefined) return;
  if (isChain(block)) {
    const chained = block.inverse[0] as HbBlock;
    // `{{else if …}}` ends this block's text and starts the chained block's.
    pushTrimmedHere(out, `else ${chained.helper} ${opening(chained)}`, { left: block.strip.else.left, right: chained.strip.open.right });
    collect(chained.body, out);
    collectInverse(chained, out, true);
    return;
  }
  if (inChain) pushTrimmedHere(out, 'else', block.strip.else);
  else out.push({ kind: 'tag', inside: 'else', strip: block.strip.else, guardable: true });
  collect(block.inverse, out);
}

/** A tag without ~, its trim markers applied to the text around it by the emitter. */
function pushTrimmedHere(out: Piece[], inside: string, strip: Strip): void {
  out.push({ kind: 'trim', strip: { left: strip.left, right: false } });
  out.push({ kind: 'tag', inside, strip: { left: false, right: false }, guardable: true });
  out.push({ kind: 'trim', strip: { left: false, right: strip.right } });
}

function isChain(block: HbBlock): boolean {
  return block.chained && block.inverse?.length === 1 && block.inverse[0]!.kind === 'block';
}

function lastInChain(block: HbBlock): HbBlock {
  return isChain(block) ? lastInChain(block.inverse![0] as HbBlock) : block;
}

function opening(block: HbBlock): string {
  const params = block.blockParams.length > 0 ? ` as |${block.blockParams.join(' ')}|` : '';
  return formatParameter(block.param) + params;
}

type WrittenKind = Exclude<Piece, { kind: 'trim' }>;

/** Go's trim markers applied, adjacent texts merged, lone braces before tags separated. */
function placeTrimMarkers(collected: readonly Piece[]): WrittenKind[] {
  const pieces = collected.map((piece) => ({ ...piece }));
  applyVanishedTags(pieces);
  const kept = pieces.filter((piece): piece is WrittenKind => piece.kind !== 'trim');
  placeTildes(kept);
  return separateLoneBraces(mergeTexts(kept));
}

/**
 * A Go tag that writes nothing trims its neighbouring texts here. A tag next to it has no text
 * beside it in Go; once the tag is gone a ~ would reach the text beyond it, so it loses its ~.
 */
function applyVanishedTags(pieces: Piece[]): void {
  for (const [index, piece] of pieces.entries()) {
    if (piece.kind !== 'trim') continue;
    const before = pieces[index - 1];
    const after = pieces[index + 1];
    if (piece.strip.left && before?.kind === 'text') before.text = goTrimEnd(before.text);
    if (piece.strip.right && after?.kind === 'text') after.text = goTrimStart(after.text);
  }
  for (const [index, piece] of pieces.entries()) {
    if (piece.kind !== 'tag') continue;
    piece.strip = {
      left: piece.strip.left && pieces[index - 1]?.kind !== 'trim',
      right: piece.strip.right && pieces[index + 1]?.kind !== 'trim',
    };
  }
}

/**
 * A tag keeps its ~ when Handlebars, trimming the whole run of text next to it, removes exactly
 * what Go removes from the one text beside the tag. Otherwise that text is trimmed here and the
 * ~ dropped (Go trims only spaces, tabs and line breaks; Handlebars any Unicode whitespace).
 */
function placeTildes(pieces: WrittenKind[]): void {
  const textRun = (from: number, step: -1 | 1): string => {
    const parts: string[] = [];
    for (let i = from; pieces[i]?.kind === 'text'; i += step) parts.push((pieces[i] as { text: string }).text);
    return (step < 0 ? parts.reverse() : parts).join('');
  };
  for (const [index, piece] of pieces.entries()) {
    if (piece.kind !== 'tag') continue;
    const strip = { ...piece.strip };
    const before = pieces[index - 1];
    if (strip.left && before?.kind === 'text') {
      const run = textRun(index - 1, -1);
      if (run.replace(/\s+$/, '') !== run.slice(0, run.length - before.text.length) + goTrimEnd(before.text)) {
        before.text = goTrimEnd(before.text);
        strip.left = false;
      }
    }
    const after = pieces[index + 1];
    if (strip.right && after?.kind === 'text') {
      const run = textRun(index + 1, 1);
      if (run.replace(/^\s+/, '') !== goTrimStart(after.text) + run.slice(after.text.length)) {
        after.text = goTrimStart(after.text);
        strip.right = false;
      }
    }
    piece.strip = strip;
  }
}

function mergeTexts(pieces: readonly WrittenKind[]): WrittenKind[] {
  const merged: WrittenKind[] = [];
  for (const piece of pieces) {
    const last = merged[merged.length - 1];
    if (piece.kind === 'text' && piece.text === '') continue;
    if (piece.kind === 'text' && last?.kind === 'text') merged[merged.length - 1] = { kind: 'text', text: last.text + piece.text };
    else merged.push(piece);
  }
  return merged;
}

/** A text before a tag ending in an unpaired "{" gives that brace a tag of its own. */
function separateLoneBraces(pieces: readonly WrittenKind[]): WrittenKind[] {
  return pieces.flatMap((piece, index) => {
    const loneBrace = piece.kind === 'text' && index < pieces.length - 1 && piece.text.split('{{').pop()!.endsWith('{');
    if (!loneBrace) return [piece];
    const rest = piece.text.slice(0, -1);
    return rest === '' ? [openingBrace] : [{ kind: 'text', text: rest }, openingBrace];
  });
}

function tagText(inside: string, left: boolean, right: boolean): string {
  return `{{${left ? '~' : ''}${inside}${right ? '~' : ''}}}`;
}

/**
 * Text written so that Handlebars prints exactly it. Handlebars reads `\{{` as a literal "{{"
 * and a backslash right before a tag as escaping it, so: every "{{" gets a backslash; a backslash
 * that ends the text before a tag is doubled (`\\{{` is one backslash, then the tag); and where
 * that would meet an escaped "{{", an empty comment separates the two.
 */
export function escapeText(text: string, beforeTag: boolean): string {
  const parts = text.split('{{');
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i++) {
    if (out.endsWith('\\')) out += '\\{{!}}';
    out += '\\{{' + parts[i]!;
  }
  if (beforeTag && text.endsWith('\\')) out += '\\';
  return out;
}
