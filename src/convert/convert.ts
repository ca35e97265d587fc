// `drcon convert`'s engine: a consul-template (Go text/template) source in, drcon Handlebars out,
// rendering the same bytes for the same data. Constructs with no drcon equivalent are listed and
// replaced by `{{untranslated "name"}}` markers, which stop the result from loading until fixed.
import type { ConversionProblem } from './conversion-problem.ts';
import { emitHandlebars } from './emit.ts';
import { parseGoTemplate } from './go-parser.ts';
import { translateTemplate } from './translate.ts';

export interface ConversionResult {
  output: string;
  /** In source order; empty when everything was translated. */
  problems: ConversionProblem[];
}

/** Throws GoSyntaxError when the source is not a valid Go template. */
export function convertTemplate(source: string): ConversionResult {
  const { nodes, problems } = translateTemplate(parseGoTemplate(source));
  const inOrder = [...problems].sort((a, b) => a.position.line - b.position.line || a.position.column - b.position.column);
  return { output: emitHandlebars(nodes), problems: inOrder };
}
