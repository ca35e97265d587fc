// A partial that includes itself, directly or through others, recurses until the stack runs out
// (Consul data has no nesting that could end it). Handlebars then throws a RangeError that says
// nothing about where; this finds the inclusion that closes the loop, for the error message.
import type { TemplateAst } from './compile.ts';
import { positionFromHandlebars, type SourcePosition } from './template-error.ts';

export interface PartialLoop {
  /** The partials of the loop, in inclusion order, the first repeated at the end. */
  names: string[];
  /** Where the last inclusion of the loop is written. */
  position: SourcePosition | undefined;
}

type Node = hbs.AST.Node;

export function findPartialLoop(ast: TemplateAst): PartialLoop | undefined {
  // Each inline partial's name → the partials it includes by name, with where.
  const includes = new Map<string, { name: string; loc: unknown }[]>();
  const collect = (node: Node | undefined, into: { name: string; loc: unknown }[] | undefined): void => {
    if (node === undefined || node === null) return;
    const block = node as hbs.AST.BlockStatement;
    if (node.type === 'DecoratorBlock' && block.params[0]?.type === 'StringLiteral') {
      const own: { name: string; loc: unknown }[] = [];
      includes.set((block.params[0] as hbs.AST.StringLiteral).value, own);
      collect(block.program, own);
      return;
    }
    if ((node.type === 'PartialStatement' || node.type === 'PartialBlockStatement') && into !== undefined) {
      // Named by a path (`{{> p}}`) or a string (`{{> "p"}}`); a dynamic (sub-expression) name is not followed.
      const name = (node as hbs.AST.PartialStatement).name as hbs.AST.Node;
      if (name.type === 'PathExpression') into.push({ name: (name as hbs.AST.PathExpression).original, loc: node.loc });
      else if (name.type === 'StringLiteral') into.push({ name: (name as hbs.AST.StringLiteral).value, loc: node.loc });
    }
    if (node.type === 'Program') for (const statement of (node as hbs.AST.Program).body) collect(statement, into);
    collect(block.program, into);
    collect(block.inverse, into);
  };
  collect(ast, undefined);

  const visiting: string[] = [];
  const done = new Set<string>();
  const search = (name: string): PartialLoop | undefined => {
    visiting.push(name);
    for (const inclusion of includes.get(name) ?? []) {
      const start = visiting.indexOf(inclusion.name);
      if (start !== -1) return { names: [...visiting.slice(start), inclusion.name], position: positionFromHandlebars(inclusion.loc) };
      if (done.has(inclusion.name)) continue;
      const loop = search(inclusion.name);
      if (loop !== undefined) return loop;
    }
    visiting.pop();
    done.add(name);
    return undefined;
  };
  for (const name of includes.keys()) {
    if (done.has(name)) continue;
    const loop = search(name);
    if (loop !== undefined) return loop;
  }
  return undefined;
}
