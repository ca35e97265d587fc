// What names mean at one place in the template: Go variables ($x) and what each became in
// Handlebars, and what Go's dot is relative to Handlebars' `this`.
import { helperSpecs } from '../template/helpers.ts';
import { isPlainName } from './handlebars-expression.ts';
import { markerHelper, type HbExpression } from './handlebars-syntax.ts';

export type VariableBinding =
  /** `$`: the data the template runs with. */
  | { kind: 'root' }
  /** A Handlebars block parameter, or a path through one (`tagGroup.Name`). */
  | { kind: 'param'; path: string }
  /**
   * `{{$x := pipeline}}`: Handlebars cannot assign, so uses of $x repeat the expression (every
   * helper gives the same answer within a render). An expression that reads dot means something
   * else inside a block that changes dot, so it is only inlined at its own depth.
   */
  | { kind: 'inline'; expression: HbExpression; contextDepth: number; readsDot: boolean };

export class Scope {
  readonly #parent: Scope | undefined;
  /** How many blocks that change dot (each, with) enclose this place. */
  readonly contextDepth: number;
  /** Go's dot as a path below Handlebars' `this` (inside a byTag range, dot is the group's Services). */
  readonly dotPath: readonly string[];
  readonly #variables = new Map<string, VariableBinding>();
  /** Handlebars block parameters declared here, with the Go variable each stands for. */
  readonly #params = new Map<string, string>();

  private constructor(parent: Scope | undefined, contextDepth: number, dotPath: readonly string[]) {
    this.#parent = parent;
    this.contextDepth = contextDepth;
    this.dotPath = dotPath;
  }

  static root(): Scope {
    const scope = new Scope(undefined, 0, []);
    scope.#variables.set('$', { kind: 'root' });
    return scope;
  }

  /** The body of an if, or an else branch: same dot. */
  child(): Scope {
    return new Scope(this, this.contextDepth, this.dotPath);
  }

  /** The body of an each or with: a new dot. */
  newContext(dotPath: readonly string[] = []): Scope {
    return new Scope(this, this.contextDepth + 1, dotPath);
  }

  declare(goName: string, binding: VariableBinding): void {
    this.#variables.set(goName, binding);
  }

  lookup(goName: string): VariableBinding | undefined {
    return this.#variables.get(goName) ?? this.#parent?.lookup(goName);
  }

  /** A Handlebars name for a block parameter standing for `goName` (`$s` → `s`). */
  blockParam(goName: string): string {
    let name = goName.replace(/^\$/, '') || 'value';
    while (!isPlainName(name) || helperSpecs.has(name) || name === markerHelper || this.#paramOwner(name) !== undefined) {
      // Shadowing the same Go variable is what Go does too; any other clash gets a new name.
      if (this.#paramOwner(name) === goName) break;
      name += '_';
    }
    this.#params.set(name, goName);
    return name;
  }

  /** Whether a bare `name` would read a block parameter rather than a field of `this`. */
  hasBlockParam(name: string): boolean {
    return this.#paramOwner(name) !== undefined;
  }

  #paramOwner(name: string): string | undefined {
    return this.#params.get(name) ?? (this.#parent === undefined ? undefined : this.#parent.#paramOwner(name));
  }
}
