// Everything that goes wrong with a template is reported as one line, `file:line:col: problem`,
// so an editor can jump to it and a log stays one event per problem.

/** A place in a template source, both numbers 1-based. */
export interface SourcePosition {
  line: number;
  column: number;
}

export class TemplateError extends Error {
  readonly file: string;
  readonly position: SourcePosition | undefined;
  readonly problem: string;

  constructor(file: string, problem: string, position?: SourcePosition, options?: ErrorOptions) {
    const oneLine = problem.replace(/\s*[\r\n]+\s*/g, ' ').trim();
    const where = position === undefined ? file : `${file}:${position.line}:${position.column}`;
    super(`${where}: ${oneLine}`, options);
    this.name = 'TemplateError';
    this.file = file;
    this.position = position;
    this.problem = oneLine;
  }
}

/**
 * A helper (or the printing of a value) used the wrong way during a render. It knows where the
 * call is but not which file it is in; Template turns it into a TemplateError.
 */
export class HelperCallError extends Error {
  readonly position: SourcePosition | undefined;

  constructor(problem: string, position: SourcePosition | undefined) {
    super(problem);
    this.name = 'HelperCallError';
    this.position = position;
  }
}

/** Handlebars locations count columns from 0; ours from 1. */
export function positionFromHandlebars(loc: unknown): SourcePosition | undefined {
  const start = (loc as { start?: { line?: unknown; column?: unknown } } | null | undefined)?.start;
  if (typeof start?.line !== 'number' || typeof start.column !== 'number') return undefined;
  return { line: start.line, column: start.column + 1 };
}
