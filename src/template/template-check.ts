// Checks a parsed template before it is ever rendered: every helper call names a known helper,
// is used as the right kind (block or value), gets the right number of parameters and only known
// hash options; every partial it includes by name is defined in it. Without this, a typo would
// only show when a render reached it, possibly much later.
import type { TemplateAst } from './compile.ts';
import type { HelperSpec } from './helper-call.ts';
import { positionFromHandlebars, TemplateError } from './template-error.ts';

type Node = hbs.AST.Node;
type CallNode = hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression;
type CallKind = 'value' | 'block';

export function checkTemplate(ast: TemplateAst, file: string, specs: ReadonlyMap<string, HelperSpec>): void {
  const fail = (node: Node, problem: string): never => {
    throw new TemplateError(file, problem, positionFromHandlebars(node.loc));
  };
  const partials = inlinePartialNames(ast);

  const checkCall = (node: CallNode, kind: CallKind): void => {
    const name = helperName(node.path);
    const spec = name === undefined ? undefined : specs.get(name);
    if (spec === undefined) {
      fail(node, `unknown helper ${JSON.stringify(name ?? originalText(node.path))}`);
      return;
    }
    if (kind === 'block' && !spec.block) {
      fail(node, `${name} is not a block helper: use it as a value, e.g. {{#each (${name} …)}}`);
    }
    if (kind === 'value' && spec.block) fail(node, `${name} is a block helper: write {{#${name} …}}…{{/${name}}}`);
    const given = node.params.length;
    const most = spec.params.length;
    const least = most - (spec.optional ?? 0);
    if (given < least || (given > most && !spec.variadic)) {
      const wanted = spec.variadic ? `at least ${least}` : least === most ? `${most}` : `${least} to ${most}`;
      const names = spec.params.length > 0 ? ` (${spec.params.join(', ')})` : '';
      fail(node, `${name} takes ${wanted} parameter${wanted === '1' ? '' : 's'}${names}, got ${given}`);
    }
    for (const pair of node.hash?.pairs ?? []) {
      if (!(spec.hash ?? []).includes(pair.key)) {
        const known = spec.hash?.length ? ` (known: ${spec.hash.join(', ')})` : '';
        fail(pair, `${name} has no option ${pair.key}=${known}`);
      }
    }
  };

  const visitExpressions = (node: { params: hbs.AST.Expression[]; hash?: hbs.AST.Hash }): void => {
    for (const param of node.params) visit(param);
    for (const pair of node.hash?.pairs ?? []) visit(pair.value);
  };

  const visit = (node: Node | undefined): void => {
    if (node === undefined || node === null) return;
    switch (node.type) {
      case 'Program':
        for (const statement of (node as hbs.AST.Program).body) visit(statement);
        return;
      case 'MustacheStatement': {
        const mustache = node as hbs.AST.MustacheStatement;
        if (isHelperCall(mustache, specs)) checkCall(mustache, 'value');
        visitExpressions(mustache);
        return;
      }
      case 'BlockStatement': {
        const block = node as hbs.AST.BlockStatement;
        if (isHelperCall(block, specs)) checkCall(block, 'block');
        visitExpressions(block);
        visit(block.program);
        visit(block.inverse);
        return;
      }
      case 'SubExpression': {
        const sexpr = node as hbs.AST.SubExpression;
        checkCall(sexpr, 'value');
        visitExpressions(sexpr);
        return;
      }
      case 'DecoratorBlock': {
        const block = node as hbs.AST.DecoratorBlock;
        if (helperName(block.path) !== 'inline' || block.params[0]?.type !== 'StringLiteral') {
          fail(block, 'only {{#*inline "name"}} decorators are supported');
        }
        visit(block.program);
        return;
      }
      case 'Decorator':
        fail(node, 'decorators are not supported');
        return;
      case 'PartialStatement':
      case 'PartialBlockStatement': {
        const partial = node as hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement;
        if (partial.name.type === 'SubExpression') {
          visit(partial.name);
        } else {
          const name = partialName(partial.name);
          if (name !== '@partial-block' && !partials.has(name)) {
            fail(partial, `unknown partial ${JSON.stringify(name)} (define it with {{#*inline ${JSON.stringify(name)}}})`);
          }
        }
        visitExpressions(partial);
        if (partial.type === 'PartialBlockStatement') visit(partial.program);
        return;
      }
      default:
        // Content, comments, paths and literals contain no calls.
        return;
    }
  };

  visit(ast);
}

/**
 * Whether `{{name …}}` / `{{#name …}}` calls a helper: it has arguments, or names one. Without
 * arguments, a name that is no helper is a lookup in the data (`{{#Tags}}…{{/Tags}}` a section).
 */
export function isHelperCall(
  node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression,
  specs: ReadonlyMap<string, HelperSpec>,
): boolean {
  const name = helperName(node.path);
  return node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0 || (name !== undefined && specs.has(name));
}

/** The helper a call names: a plain identifier (or a literal); undefined for paths like `a.b`. */
export function helperName(path: hbs.AST.PathExpression | hbs.AST.Literal): string | undefined {
  if (path.type !== 'PathExpression') return String((path as hbs.AST.StringLiteral).value);
  const expression = path as hbs.AST.PathExpression;
  const simple = !expression.data && expression.depth === 0 && expression.parts.length === 1 && expression.original === expression.parts[0];
  return simple ? expression.parts[0] : undefined;
}

function originalText(path: hbs.AST.PathExpression | hbs.AST.Literal): string {
  return path.type === 'PathExpression' ? (path as hbs.AST.PathExpression).original : String((path as hbs.AST.StringLiteral).value);
}

function partialName(name: hbs.AST.Node): string {
  if (name.type === 'PathExpression') return (name as hbs.AST.PathExpression).original;
  return String((name as hbs.AST.StringLiteral).value);
}

/** Names of all `{{#*inline "name"}}` partials anywhere in the template. */
function inlinePartialNames(ast: TemplateAst): Set<string> {
  const names = new Set<string>();
  const walk = (node: Node | undefined): void => {
    if (node === undefined || node === null) return;
    if (node.type === 'Program') for (const statement of (node as hbs.AST.Program).body) walk(statement);
    if (node.type === 'DecoratorBlock' || node.type === 'BlockStatement' || node.type === 'PartialBlockStatement') {
      const block = node as hbs.AST.BlockStatement;
      const first = block.params?.[0];
      if (node.type === 'DecoratorBlock' && first?.type === 'StringLiteral') names.add((first as hbs.AST.StringLiteral).value);
      walk(block.program);
      walk(block.inverse);
    }
  };
  walk(ast);
  return names;
}
