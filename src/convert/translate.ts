// Translates the Go parse tree into drcon's Handlebars tree: range → #each, if → #if/#unless,
// with → #with, printing actions → mustaches, variables → block parameters. Text is kept exactly;
// whitespace is the emitter's business.
import type { SourcePosition } from '../template/template-error.ts';
import { conditionBlock, conditionOf } from './condition.ts';
import type { ConversionProblem } from './conversion-problem.ts';
import { ExpressionTranslator } from './expression-translator.ts';
import { pipelineExpression } from './go-expression.ts';
import type { Trim } from './go-lexer.ts';
import type { GoControlNode, GoNode, GoPipeline } from './go-syntax.ts';
import { noStrip, type HbBlock, type HbNode } from './handlebars-syntax.ts';
import { Scope } from './scope.ts';

type ActionNode = Extract<GoNode, { kind: 'action' }>;

const unsupportedReasons: Record<string, string> = {
  define: 'named templates have no drcon equivalent',
  block: 'named templates have no drcon equivalent',
  template: 'named templates have no drcon equivalent',
  break: 'a Handlebars #each cannot stop early',
  continue: 'a Handlebars #each cannot skip ahead',
};

export interface Translation {
  nodes: HbNode[];
  problems: ConversionProblem[];
}

export function translateTemplate(nodes: GoNode[]): Translation {
  const problems: ConversionProblem[] = [];
  const translator = new NodeTranslator((problem) => problems.push(problem));
  return { nodes: translator.list(nodes, Scope.root()), problems };
}

class NodeTranslator {
  readonly #expressions: ExpressionTranslator;

  constructor(report: (problem: ConversionProblem) => void) {
    this.#expressions = new ExpressionTranslator(report);
  }

  list(nodes: readonly GoNode[], scope: Scope): HbNode[] {
    return nodes.flatMap((node) => this.#node(node, scope));
  }

  #node(node: GoNode, scope: Scope): HbNode[] {
    switch (node.kind) {
      case 'text':
        return [{ kind: 'text', text: this.#withoutNul(node.text, node.position) }];
      case 'comment':
        return [{ kind: 'comment', text: node.text, strip: node.trim }];
      case 'action':
        return this.#action(node, scope);
      case 'unsupported': {
        const marker = this.#expressions.untranslatable(node.position, node.keyword, unsupportedReasons[node.keyword] ?? 'not supported');
        return [{ kind: 'mustache', expression: marker, strip: node.trim }];
      }
      case 'if':
        return [this.#if(node, scope)];
      case 'with':
        return [this.#with(node, scope)];
      case 'range':
        return [this.#range(node, scope)];
    }
  }

  #action(node: ActionNode, scope: Scope): HbNode[] {
    const { pipeline } = node;
    const goExpression = pipelineExpression(pipeline);
    const { expression, readsDot } = this.#expressions.translate(goExpression, scope);
    const [variable] = pipeline.declarations;
    if (variable !== undefined) {
      if (pipeline.isAssign) {
        const marker = this.#expressions.untranslatable(pipeline.position, variable, 'Handlebars cannot change a variable');
        return [{ kind: 'mustache', expression: marker, strip: node.trim }];
      }
      // Declaring prints nothing; uses of the variable repeat the expression.
      scope.declare(variable, { kind: 'inline', expression, contextDepth: scope.contextDepth, readsDot });
      return [{ kind: 'trim', strip: node.trim }];
    }
    if (expression.kind !== 'literal') return [{ kind: 'mustache', expression: this.#expressions.writable(expression), strip: node.trim }];
    // A printed constant is just text.
    const { value } = expression;
    const position = pipeline.position;
    if (value === null) return [this.#marker(position, 'nil', 'nil is not a command', node.trim)];
    // Go prints a floating-point constant in its own format (1e+06); only integers are safe.
    const number = goExpression.kind === 'operand' && goExpression.operand.kind === 'number' ? goExpression.operand.text : undefined;
    if (number !== undefined && !/^[+-]?0[xXbBoO]/.test(number) && /[.eE]/.test(number)) {
      return [this.#marker(position, number, 'printing a floating-point constant is not translated', node.trim)];
    }
    return [
      { kind: 'trim', strip: { left: node.trim.left, right: false } },
      { kind: 'text', text: this.#withoutNul(String(value), position) },
      { kind: 'trim', strip: { left: false, right: node.trim.right } },
    ];
  }

  #withoutNul(text: string, position: SourcePosition): string {
    if (!text.includes('\0')) return text;
    this.#expressions.untranslatable(position, 'NUL', 'Handlebars templates cannot contain NUL characters; they were left out');
    return text.replaceAll('\0', '');
  }

  #marker(position: SourcePosition, construct: string, reason: string, strip: Trim): HbNode {
    return { kind: 'mustache', expression: this.#expressions.untranslatable(position, construct, reason), strip };
  }

  #if(node: GoControlNode, scope: Scope): HbBlock {
    this.#noDeclarations(node.pipeline, 'if');
    const { trim } = node;
    const then = { nodes: this.list(node.body, scope.child()), trimStart: trim.open.right, trimEnd: (trim.else ?? trim.close).left };
    const otherwise = node.elseBody && { nodes: this.list(node.elseBody, scope.child()), trimStart: trim.else?.right ?? false, trimEnd: trim.close.left };
    return conditionBlock(
      conditionOf(pipelineExpression(node.pipeline)),
      { then, otherwise, chainedOtherwise: node.chainedElse, outer: { left: trim.open.left, right: trim.close.right } },
      (expression) => this.#expressions.writable(this.#expressions.translate(expression, scope).expression),
    );
  }

  #with(node: GoControlNode, scope: Scope): HbBlock {
    const expression = this.#expressions.writable(this.#expressions.translate(pipelineExpression(node.pipeline), scope).expression);
    const body = scope.newContext();
    const blockParams = this.#declare(node.pipeline, (value) => [bindParam(body, value)]);
    return {
      kind: 'block',
      helper: 'with',
      param: expression,
      blockParams,
      body: this.list(node.body, body),
      inverse: node.elseBody && this.list(node.elseBody, scope.child()),
      chained: node.chainedElse,
      strip: blockStrip(node),
    };
  }

  #range(node: GoControlNode, scope: Scope): HbBlock {
    const goExpression = pipelineExpression(node.pipeline);
    const expression = this.#expressions.writable(this.#expressions.translate(goExpression, scope).expression);
    // consul-template's byTag and byMeta are maps from a name to instances, ranged as key and
    // value; drcon's are lists of {Name, Services} groups, so dot and the variables are paths into
    // the group.
    const grouping = goExpression.kind === 'call' ? groupParams.get(goExpression.name) : undefined;
    const body = scope.newContext(grouping !== undefined ? ['Services'] : []);
    const blockParams = this.#declare(node.pipeline, (value, index) => {
      if (grouping !== undefined) {
        const group = body.blockParam(grouping);
        body.declare(value, { kind: 'param', path: `${group}.Services` });
        if (index !== undefined) body.declare(index, { kind: 'param', path: `${group}.Name` });
        return [group];
      }
      // Go names the index first, Handlebars the item.
      return index === undefined ? [bindParam(body, value)] : [bindParam(body, value), bindParam(body, index)];
    });
    return {
      kind: 'block',
      helper: 'each',
      param: expression,
      blockParams,
      body: this.list(node.body, body),
      inverse: node.elseBody && this.list(node.elseBody, scope.child()),
      chained: false,
      strip: blockStrip(node),
    };
  }

  /** The block parameters for a pipeline's `$value :=` or `$index, $value :=`, bound by `declare`. */
  #declare(pipeline: GoPipeline, declare: (value: string, index?: string) => string[]): string[] {
    const { declarations } = pipeline;
    if (declarations.length === 0) return [];
    if (pipeline.isAssign) {
      this.#expressions.untranslatable(pipeline.position, declarations[0]!, 'Handlebars cannot change a variable');
      return [];
    }
    const [first, second] = declarations as [string, string | undefined];
    return second === undefined ? declare(first) : declare(second, first);
  }

  #noDeclarations(pipeline: GoPipeline, keyword: string): void {
    const [variable] = pipeline.declarations;
    if (variable !== undefined) this.#expressions.untranslatable(pipeline.position, variable, `variables declared in an ${keyword} are not translated`);
  }
}

/** The block parameter that names a group, for the helpers that group instances. */
const groupParams = new Map([['byTag', 'tagGroup'], ['byMeta', 'metaGroup']]);

/** A block parameter standing for Go variable `goName` in `body`. */
function bindParam(body: Scope, goName: string): string {
  const name = body.blockParam(goName);
  body.declare(goName, { kind: 'param', path: name });
  return name;
}

function blockStrip(node: GoControlNode): HbBlock['strip'] {
  return { open: node.trim.open, else: node.trim.else ?? noStrip, close: node.trim.close };
}
