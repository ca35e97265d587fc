// How drcon's helpers are declared and called. A helper's spec (parameters, hash options, block or
// value) is checked against every call in a template when it loads; its body checks argument
// types when it runs, failing with the call's position.
import type { RenderContext } from './render-context.ts';
import { HelperCallError, positionFromHandlebars, type SourcePosition } from './template-error.ts';

/** The shape of a helper's calls, checked when a template loads. */
export interface HelperSpec {
  /** Parameter names (for messages); the last `optional` of them may be left out. */
  readonly params: readonly string[];
  readonly optional?: number;
  /** Takes any number of further parameters. */
  readonly variadic?: boolean;
  readonly hash?: readonly string[];
  /** Used as `{{#name …}}…{{/name}}`, never as a value. */
  readonly block?: boolean;
  /** Its result depends on its arguments alone (no Consul data, environment or render record). */
  readonly pure?: boolean;
}

/** What Handlebars passes to a helper as its last argument (the parts drcon uses). */
export interface HandlebarsHelperOptions {
  name?: string;
  hash?: Record<string, unknown>;
  data?: { drcon?: RenderContext };
  loc?: unknown;
}

export interface HelperDefinition extends HelperSpec {
  readonly fn: (...args: unknown[]) => unknown;
}

export type HelperBody = (args: unknown[], call: HelperCall) => unknown;

export function defineHelper(name: string, spec: HelperSpec, body: HelperBody): HelperDefinition {
  return {
    ...spec,
    fn: (...all: unknown[]) => {
      const options = all[all.length - 1] as HandlebarsHelperOptions;
      return body(all.slice(0, -1), new HelperCall(name, options));
    },
  };
}

export class HelperCall {
  readonly name: string;
  readonly #options: HandlebarsHelperOptions;

  constructor(name: string, options: HandlebarsHelperOptions) {
    this.name = name;
    this.#options = options;
  }

  fail(problem: string): never {
    throw new HelperCallError(`${this.name}: ${problem}`, this.position);
  }

  /** Where the call is in its template, when Handlebars told us. */
  get position(): SourcePosition | undefined {
    return positionFromHandlebars(this.#options.loc);
  }

  /** A data variable of the block the call is in (`@key`, `@index`). */
  dataVariable(name: string): unknown {
    return (this.#options.data as Record<string, unknown> | undefined)?.[name];
  }

  /** The render this call belongs to. */
  get render(): RenderContext {
    return this.#options.data?.drcon ?? this.fail('called outside a drcon render');
  }

  /**
   * Text: strings as they are, numbers and booleans written out, a missing field as "" (as a
   * missing map entry reads in consul-template); lists and objects are a mistake.
   */
  text(value: unknown, what: string): string {
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    return this.fail(`${what} must be text, got ${describeValue(value)}`);
  }

  /** A list; a missing field reads as an empty one. */
  list(value: unknown, what: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    return this.fail(`${what} must be a list, got ${describeValue(value)}`);
  }

  /** A hash option as text, or undefined when the call does not give it. */
  option(key: string): string | undefined {
    const value = this.#options.hash?.[key];
    return value === undefined ? undefined : this.text(value, `${key}=`);
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}
