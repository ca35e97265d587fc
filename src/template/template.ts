// A loaded template: parsed, checked and compiled once; rendered synchronously from data that is
// already fetched, any number of times, each render with its own record.
import { readFile } from 'node:fs/promises';
import type { Dependency } from '../dependency/dependency.ts';
import { compileTemplate, fromHandlebarsError, parseTemplate, type CompiledTemplate } from './compile.ts';
import { helperSpecs } from './helpers.ts';
import { RenderContext, type DataSource, type Environment, type LiveUpstream, type RenderNote } from './render-context.ts';
import { checkTemplate } from './template-check.ts';
import { BlockMemo } from './block-memo.ts';
import { checkTemplateLimits } from './template-limits.ts';
import { goTemplateHint } from './go-template-hint.ts';
import { findPartialLoop, type PartialLoop } from './partial-recursion.ts';
import { HelperCallError, TemplateError } from './template-error.ts';

export interface RenderResult {
  output: string;
  /** False while a dependency has no data or a key the template needs does not exist. */
  complete: boolean;
  /** Every dependency the render asked for, with or without data. */
  used: Dependency[];
  /** The dependencies among `used` that had no data yet. */
  missing: Dependency[];
  /** Keys read with `key` that do not exist: the output must not be written until they do. */
  waitingForKeys: string[];
  /** What the caller logs after this render: `log` helper output, routes claimed by two services. */
  messages: RenderNote[];
  /** The upstreams `livePeers` declared, with their members. */
  liveUpstreams: LiveUpstream[];
}

/**
 * A render that failed, with what it had asked for until then: when some of that had no data yet
 * (and so read as empty), the failure may go away once the data is there.
 */
export class RenderError extends TemplateError {
  readonly used: Dependency[];
  readonly missing: Dependency[];

  constructor(error: TemplateError, record: RenderContext) {
    super(error.file, error.problem, error.position, { cause: error.cause });
    this.used = record.used;
    this.missing = record.missing;
  }
}

export interface RenderOptions {
  /** What `env` reads; the process environment unless given. */
  env?: Environment;
}

export class Template {
  /** The file (or name) used in error messages. */
  readonly name: string;
  readonly #compiled: CompiledTemplate;
  /** A partial that includes itself, if any: where to point when a render runs out of stack. */
  readonly #loop: PartialLoop | undefined;
  readonly #blocks: BlockMemo | undefined;
  /** The text compiled: a file edited since it was read tells by its text. */
  readonly source: string;

  private constructor(name: string, source: string, compiled: CompiledTemplate, loop: PartialLoop | undefined, blocks: BlockMemo | undefined) {
    this.name = name;
    this.source = source;
    this.#compiled = compiled;
    this.#loop = loop;
    this.#blocks = blocks;
  }

  static async fromFile(path: string): Promise<Template> {
    let source: string;
    try {
      source = await readFile(path, 'utf8');
    } catch (error) {
      throw new TemplateError(path, `cannot read the template: ${(error as Error).message}`, undefined, { cause: error });
    }
    return Template.fromSource(source, path);
  }

  /** Throws TemplateError (file:line:col) for a syntax error, an unknown helper or a misused one. */
  static fromSource(source: string, name: string): Template {
    try {
      checkTemplateLimits(source, name);
      const ast = parseTemplate(source, name);
      checkTemplate(ast, name, helperSpecs);
      return new Template(name, source, compileTemplate(ast, name), findPartialLoop(ast), BlockMemo.forTemplate(ast, helperSpecs));
    } catch (error) {
      const loadError = asTemplateError(error, name);
      const hint = goTemplateHint(source, name);
      throw hint === '' ? loadError : new TemplateError(loadError.file, loadError.problem + hint, loadError.position, { cause: error });
    }
  }

  /** `context` is the template's root (`{{listen}}`, `@root`); data comes only from `data`. */
  render(data: DataSource, context: object = {}, options: RenderOptions = {}): RenderResult {
    const record = new RenderContext(data, options.env ?? process.env, this.#blocks);
    let output: string;
    try {
      output = this.#compiled(context, { data: { drcon: record } });
    } catch (error) {
      const outOfStack = error instanceof RangeError && /call stack/i.test(error.message);
      const cause = outOfStack && this.#loop !== undefined ? this.#loopError(error) : asTemplateError(error, this.name);
      throw new RenderError(cause, record);
    }
    const missing = record.missing;
    const waitingForKeys = record.waitingForKeys;
    return {
      output,
      complete: missing.length === 0 && waitingForKeys.length === 0,
      used: record.used,
      missing,
      waitingForKeys,
      messages: record.messages,
      liveUpstreams: record.liveUpstreams,
    };
  }

  #loopError(error: RangeError): TemplateError {
    const [first, ...others] = this.#loop!.names.slice(0, -1).map((name) => JSON.stringify(name));
    const through = others.length > 0 ? ` through ${others.join(' → ')}` : '';
    const problem = `partial ${first} includes itself${through} without end; the render ran out of stack`;
    return new TemplateError(this.name, problem, this.#loop!.position, { cause: error });
  }
}

function asTemplateError(error: unknown, file: string): TemplateError {
  if (error instanceof HelperCallError) return new TemplateError(file, error.message, error.position, { cause: error });
  return fromHandlebarsError(error, file);
}
