// Most of a render over a large catalog repeats the last one. In `{{#each (services)}}…{{#each
// (service Name)}}server …{{/each}}…{{/each}}` one service changes and the other lists are the
// very objects rendered last time: the watcher keeps a dependency's value until its data changes,
// and nothing mutates values. An `#each` whose body depends only on the list it walks (its items'
// fields, its own @index/@key/@first/@last, helpers whose result depends on their arguments
// alone, nested blocks of the same kind) writes the same text for the same list, so that text is
// kept per list object and reused. Any other block renders as Handlebars renders it.
import type { TemplateAst } from './compile.ts';
import type { HelperSpec } from './helper-call.ts';
import { helperName, isHelperCall } from './template-check.ts';

type Node = hbs.AST.Node;

/** Data variables an #each body may read and stay a function of its list. */
const ownDataVariables = new Set(['index', 'key', 'first', 'last']);

export class BlockMemo {
  /** Positions ("line:column") of the #each blocks whose output depends on their list alone. */
  readonly #sites: ReadonlySet<string>;
  readonly #outputs = new WeakMap<object, Map<string, string>>();

  private constructor(sites: ReadonlySet<string>) {
    this.#sites = sites;
  }

  /** A memo for the template's list-only #each blocks, or undefined when it has none. */
  static forTemplate(ast: TemplateAst, specs: ReadonlyMap<string, HelperSpec>): BlockMemo | undefined {
    const sites = listOnlyEachSites(ast, specs);
    return sites.size === 0 ? undefined : new BlockMemo(sites);
  }

  /** The text of the #each at `loc` over `list`: `render` runs only for a list not seen there yet. */
  output(list: object, loc: unknown, render: () => string): string {
    const site = siteOf(loc);
    if (site === undefined || !this.#sites.has(site)) return render();
    let outputs = this.#outputs.get(list);
    const kept = outputs?.get(site);
    if (kept !== undefined) return kept;
    const text = render();
    if (outputs === undefined) this.#outputs.set(list, (outputs = new Map()));
    outputs.set(site, text);
    return text;
  }
}

function siteOf(loc: unknown): string | undefined {
  const start = (loc as { start?: { line?: unknown; column?: unknown } } | null | undefined)?.start;
  return typeof start?.line === 'number' && typeof start.column === 'number' ? `${start.line}:${start.column}` : undefined;
}

/** Every `{{#each …}}` whose body and `{{else}}` read nothing but the list's items. */
function listOnlyEachSites(ast: TemplateAst, specs: ReadonlyMap<string, HelperSpec>): Set<string> {
  const sites = new Set<string>();
  const pure = (name: string | undefined) => name !== undefined && specs.get(name)?.pure === true;

  /** Whether `node` reads only its own item: no outer scope, no block params from outside, no impure helper. */
  const readsItemOnly = (node: Node | undefined | null, outerParams: ReadonlySet<string>): boolean => {
    if (node === undefined || node === null) return true;
    const all = (nodes: readonly (Node | undefined)[]) => nodes.every((child) => readsItemOnly(child, outerParams));
    const call = (expression: { path: hbs.AST.PathExpression | hbs.AST.Literal; params: hbs.AST.Expression[]; hash?: hbs.AST.Hash }) =>
      all(expression.params) && all((expression.hash?.pairs ?? []).map((pair) => pair.value));
    switch (node.type) {
      case 'Program':
        return all((node as hbs.AST.Program).body);
      case 'ContentStatement':
      case 'CommentStatement':
      case 'StringLiteral':
      case 'NumberLiteral':
      case 'BooleanLiteral':
      case 'UndefinedLiteral':
      case 'NullLiteral':
        return true;
      case 'PathExpression': {
        const path = node as hbs.AST.PathExpression;
        if (path.depth > 0) return false;
        if (path.data) return path.parts.length === 1 && ownDataVariables.has(path.parts[0]!);
        return !outerParams.has(path.parts[0] ?? '');
      }
      case 'MustacheStatement':
      case 'SubExpression': {
        const statement = node as hbs.AST.MustacheStatement | hbs.AST.SubExpression;
        if (isHelperCall(statement, specs)) return pure(helperName(statement.path)) && call(statement);
        return readsItemOnly(statement.path, outerParams);
      }
      case 'BlockStatement': {
        const block = node as hbs.AST.BlockStatement;
        const head = isHelperCall(block, specs) ? pure(helperName(block.path)) && call(block) : readsItemOnly(block.path, outerParams);
        return head && readsItemOnly(block.program, outerParams) && readsItemOnly(block.inverse, outerParams);
      }
      default:
        // Partials and decorators can read anything.
        return false;
    }
  };

  const walk = (node: Node | undefined | null, outerParams: ReadonlySet<string>): void => {
    if (node === undefined || node === null) return;
    if (node.type === 'Program') {
      for (const statement of (node as hbs.AST.Program).body) walk(statement, outerParams);
      return;
    }
    if (node.type !== 'BlockStatement' && node.type !== 'DecoratorBlock' && node.type !== 'PartialBlockStatement') return;
    const block = node as hbs.AST.BlockStatement;
    if (node.type === 'BlockStatement' && helperName(block.path) === 'each') {
      const listOnly = readsItemOnly(block.program, outerParams) && readsItemOnly(block.inverse, outerParams);
      const site = siteOf(block.loc);
      if (listOnly && site !== undefined) sites.add(site);
    }
    const inner = new Set([...outerParams, ...(block.program?.blockParams ?? [])]);
    walk(block.program, inner);
    walk(block.inverse, outerParams);
  };

  walk(ast, new Set());
  return sites;
}
