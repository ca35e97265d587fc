// What the translation produces and the emitter writes: drcon's Handlebars, as a small tree.
import type { SourcePosition } from '../template/template-error.ts';
import type { Trim } from './go-lexer.ts';

export type HbExpression =
  /** Written as is: `Address`, `this`, `s.Port`, `@root.listen`, `this.key`. */
  | { kind: 'path'; text: string }
  /** `position`: where a Go constant came from, for reporting one Handlebars cannot write. */
  | { kind: 'literal'; value: string | number | boolean | null; position?: SourcePosition }
  | { kind: 'call'; helper: string; params: HbExpression[]; hash: ReadonlyArray<readonly [string, HbExpression]> };

/** The ~ markers a tag carries: the Go tag's trim markers. */
export type Strip = Trim;

export interface HbBlock {
  kind: 'block';
  helper: 'each' | 'if' | 'unless' | 'with';
  param: HbExpression;
  blockParams: string[];
  body: HbNode[];
  inverse?: HbNode[];
  /** The inverse is one block written as `{{else if …}}` rather than nested. */
  chained: boolean;
  strip: { open: Strip; else: Strip; close: Strip };
}

export type HbNode =
  | { kind: 'text'; text: string }
  | { kind: 'mustache'; expression: HbExpression; strip: Strip }
  | { kind: 'comment'; text: string; strip: Strip }
  /** A Go tag that writes nothing here (a variable declaration, a printed constant's ends): its trim markers still apply. */
  | { kind: 'trim'; strip: Strip }
  | HbBlock;

export const noStrip: Strip = { left: false, right: false };

export const call = (helper: string, params: HbExpression[], hash: ReadonlyArray<readonly [string, HbExpression]> = []): HbExpression => ({
  kind: 'call',
  helper,
  params,
  hash,
});

export const literal = (value: string | number | boolean | null, position?: SourcePosition): HbExpression => ({ kind: 'literal', value, position });

/** Helper drcon does not have: a template holding it fails to load, naming the line. */
export const markerHelper = 'untranslated';

// A Handlebars string cannot end with a backslash (see handlebars-expression.ts).
export const untranslated = (construct: string): HbExpression => call(markerHelper, [literal(construct.replace(/\\+$/, ''))]);
