// The parse tree of a Go text/template, shaped like Go's own (text/template/parse): lists of
// text, actions and control structures; an action holds a pipeline of commands.
import type { SourcePosition } from '../template/template-error.ts';
import type { Trim } from './go-lexer.ts';

export type GoOperand =
  | { kind: 'dot'; position: SourcePosition }
  | { kind: 'nil'; position: SourcePosition }
  | { kind: 'bool'; value: boolean; position: SourcePosition }
  | { kind: 'number'; text: string; position: SourcePosition }
  | { kind: 'char'; text: string; position: SourcePosition }
  | { kind: 'string'; value: string; position: SourcePosition }
  /** A function name. */
  | { kind: 'identifier'; name: string; position: SourcePosition }
  /** `.A.B`: fields of dot. */
  | { kind: 'field'; names: string[]; position: SourcePosition }
  /** `$x.A.B` (or `$` alone, the data the template was executed with). */
  | { kind: 'variable'; name: string; fields: string[]; position: SourcePosition }
  /** `(pipeline).A` or `function.A`: fields of a computed value. */
  | { kind: 'chain'; target: GoOperand; fields: string[]; position: SourcePosition }
  | { kind: 'pipeline'; pipeline: GoPipeline; position: SourcePosition };

export interface GoCommand {
  operands: GoOperand[];
  position: SourcePosition;
}

export interface GoPipeline {
  /** Variables declared (`$x :=`) or assigned (`$x =`), with `$`. */
  declarations: string[];
  isAssign: boolean;
  commands: GoCommand[];
  position: SourcePosition;
}

export interface BlockTrim {
  open: Trim;
  else?: Trim;
  close: Trim;
}

export type GoControlKind = 'if' | 'with' | 'range';

export interface GoControlNode {
  kind: GoControlKind;
  pipeline: GoPipeline;
  body: GoNode[];
  elseBody?: GoNode[];
  /** `{{else if …}}` / `{{else with …}}`: elseBody is that one nested control, sharing the {{end}}. */
  chainedElse: boolean;
  position: SourcePosition;
  trim: BlockTrim;
}

export type GoNode =
  | { kind: 'text'; text: string; position: SourcePosition }
  | { kind: 'comment'; text: string; position: SourcePosition; trim: Trim }
  | { kind: 'action'; pipeline: GoPipeline; position: SourcePosition; trim: Trim }
  | GoControlNode
  /** define, template, block, break, continue: parsed (their bodies skipped), never translated. */
  | { kind: 'unsupported'; keyword: string; position: SourcePosition; trim: Trim };
