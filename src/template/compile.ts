// drcon's own Handlebars environment (Handlebars.create()): drcon's helpers, Nginx escaping for
// `{{value}}`, and parsing/compiling that report problems as TemplateErrors. The process-wide
// Handlebars instance is left as it is.
import Handlebars from 'handlebars';
import { escapingCompiler, printHelperName, type JavaScriptCompilerClass } from './escaping-compiler.ts';
import type { HandlebarsHelperOptions } from './helper-call.ts';
import { drconHelpers, helperSpecs } from './helpers.ts';
import { printEscaped } from './nginx-escape.ts';
import { TemplateError, type SourcePosition } from './template-error.ts';

export type TemplateAst = hbs.AST.Program;
export type CompiledTemplate = Handlebars.TemplateDelegate;

/** Parts of a Handlebars environment that its typings leave out. */
interface EnvironmentInternals {
  JavaScriptCompiler: JavaScriptCompilerClass;
  Compiler: new () => { compile(program: TemplateAst, options: CompileOptions): unknown };
  Parser: { lexer?: { yylloc?: { first_line: number; first_column: number; last_line: number; last_column: number } } };
}
type JavaScriptCompilerWithCompile = new () => {
  compile(environment: unknown, options: CompileOptions, context: undefined, asObject: true): TemplateSpecification;
};

const hb = Handlebars.create();
const internals = hb as unknown as EnvironmentInternals;
internals.JavaScriptCompiler = escapingCompiler(internals.JavaScriptCompiler);
for (const [name, helper] of Object.entries(drconHelpers)) hb.registerHelper(name, helper.fn);
hb.registerHelper(printHelperName, printEscaped);

// Handlebars' own #each, reused for a list it already rendered at a list-only site (block-memo.ts).
const handlebarsEach = hb.helpers['each']!;
hb.registerHelper('each', function (this: unknown, list: unknown, options: HandlebarsHelperOptions) {
  const blocks = options.data?.drcon?.blocks;
  if (blocks === undefined || typeof list !== 'object' || list === null) return handlebarsEach.call(this, list, options);
  return blocks.output(list, options.loc, () => handlebarsEach.call(this, list, options) as string);
});

const compileOptions = (): CompileOptions => ({
  data: true,
  knownHelpersOnly: true,
  // Helpers are called as helpers even without arguments (`{{services}}`), never looked up in data.
  knownHelpers: Object.fromEntries([...helperSpecs.keys()].map((name) => [name, true])),
});

/** Parses a template; a syntax error becomes a TemplateError at the offending position. */
export function parseTemplate(source: string, file: string): TemplateAst {
  try {
    return hb.parse(source);
  } catch (error) {
    throw syntaxError(error, file);
  }
}

/** Compiles now (Handlebars would wait for the first render) so every compile error shows at load. */
export function compileTemplate(ast: TemplateAst, file: string): CompiledTemplate {
  try {
    const options = compileOptions();
    const environment = new internals.Compiler().compile(ast, options);
    const JavaScriptCompiler = internals.JavaScriptCompiler as unknown as JavaScriptCompilerWithCompile;
    return hb.template(new JavaScriptCompiler().compile(environment, options, undefined, true));
  } catch (error) {
    throw fromHandlebarsError(error, file);
  }
}

/**
 * A Handlebars Exception carries its node's position ("… - 2:5"); the parser's own errors only name
 * a line in a multi-line message, so their position is read from the (shared, synchronous) lexer.
 */
function syntaxError(error: unknown, file: string): TemplateError {
  const message = error instanceof Error ? error.message : String(error);
  const parse = /^Parse error on line \d+:[\s\S]*\nExpecting ([^\n]*), got '([^']*)'$/.exec(message);
  const lexical = /^Lexical error on line \d+/.test(message);
  if (!parse && !lexical) return fromHandlebarsError(error, file);
  const at = internals.Parser.lexer?.yylloc;
  let position: SourcePosition | undefined;
  if (at !== undefined) {
    // A parse error is about the token just read; a lexical error about the text after it.
    position = parse
      ? { line: at.first_line, column: at.first_column + 1 }
      : { line: at.last_line, column: at.last_column + 1 };
  }
  const problem = parse
    ? `syntax error: unexpected ${tokenName(parse[2]!)}${expectedTokens(parse[1]!)}`
    : 'syntax error: text that cannot start a Handlebars expression';
  return new TemplateError(file, problem, position, { cause: error });
}

/** Handlebars Exceptions (and anything else thrown while compiling or rendering). */
export function fromHandlebarsError(error: unknown, file: string): TemplateError {
  if (error instanceof TemplateError) return error;
  // Deep nesting, or a partial that includes itself, runs out of stack; that must not end the process.
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new TemplateError(file, 'nested or recursive too deeply (a partial that includes itself?)', undefined, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  const { lineNumber, column } = (error ?? {}) as { lineNumber?: unknown; column?: unknown };
  if (typeof lineNumber === 'number' && typeof column === 'number') {
    return new TemplateError(file, message.replace(/ - \d+:\d+$/, ''), { line: lineNumber, column: column + 1 }, { cause: error });
  }
  return new TemplateError(file, message, undefined, { cause: error });
}

const tokenNames: Record<string, string> = {
  EOF: 'end of template',
  INVALID: 'invalid text',
  CLOSE: '"}}"',
  CLOSE_UNESCAPED: '"}}}"',
  CLOSE_RAW_BLOCK: '"}}}}"',
  OPEN: '"{{"',
  OPEN_BLOCK: '"{{#"',
  OPEN_ENDBLOCK: '"{{/"',
  OPEN_INVERSE: '"{{^"',
  OPEN_INVERSE_CHAIN: '"{{else"',
  INVERSE: '"{{else}}"',
  OPEN_PARTIAL: '"{{>"',
  OPEN_SEXPR: '"("',
  CLOSE_SEXPR: '")"',
  OPEN_BLOCK_PARAMS: '"as |"',
  CLOSE_BLOCK_PARAMS: '"|"',
  EQUALS: '"="',
  SEP: '"." or "/"',
  ID: 'a name',
  STRING: 'a string',
  NUMBER: 'a number',
  BOOLEAN: 'true/false',
  UNDEFINED: 'undefined',
  NULL: 'null',
  DATA: 'an @name',
  CONTENT: 'text',
};

function tokenName(token: string): string {
  return tokenNames[token] ?? token;
}

/** What the parser expected, when that is short enough to help; a long list of tokens does not. */
function expectedTokens(list: string): string {
  const names = [...new Set(list.split(', ').map((token) => tokenName(token.replace(/^'|'$/g, ''))))];
  return names.length <= 3 ? `, expected ${names.join(' or ')}` : '';
}
