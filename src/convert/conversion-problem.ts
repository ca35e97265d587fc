// What the converter reports: a construct it could not translate (it still writes the rest), or a
// Go template it cannot read at all. Both carry the place in the consul-template source.
import type { SourcePosition } from '../template/template-error.ts';

/** Something in the source that has no drcon equivalent; a marker stands in its place. */
export interface ConversionProblem {
  position: SourcePosition;
  /** The name of the construct: a function, a keyword, a variable. */
  construct: string;
  reason: string;
}

/** `file:line:col: cannot translate "secret": reason` — one line, for stderr or an editor. */
export function formatProblem(file: string, problem: ConversionProblem): string {
  const { line, column } = problem.position;
  return `${file}:${line}:${column}: cannot translate ${JSON.stringify(problem.construct)}: ${problem.reason}`;
}

/** The source is not a Go template (unclosed action, stray {{end}}, …): nothing can be converted. */
export class GoSyntaxError extends Error {
  readonly position: SourcePosition;
  readonly problem: string;

  constructor(problem: string, position: SourcePosition) {
    super(`${position.line}:${position.column}: syntax error: ${problem}`);
    this.name = 'GoSyntaxError';
    this.position = position;
    this.problem = problem;
  }

  /** `file:line:col: syntax error: problem`. */
  format(file: string): string {
    return `${file}:${this.position.line}:${this.position.column}: syntax error: ${this.problem}`;
  }
}
