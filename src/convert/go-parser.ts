// Builds the Go template parse tree from the lexer's items: control structures with their
// {{else}}/{{end}}, pipelines of commands, operands with field chains. Mistakes Go itself would
// refuse (a stray {{end}}, a missing one, a malformed pipeline) are GoSyntaxErrors.
import type { SourcePosition } from '../template/template-error.ts';
import { GoSyntaxError } from './conversion-problem.ts';
import { lexGoTemplate, type GoItem, type GoToken } from './go-lexer.ts';
import type { GoCommand, GoControlKind, GoControlNode, GoNode, GoOperand, GoPipeline } from './go-syntax.ts';

type ActionItem = Extract<GoItem, { kind: 'action' }>;

/** How a list of nodes ended: at the end of the source, or at an {{else}} or {{end}} action. */
interface ListEnd {
  keyword: 'else' | 'end';
  item: ActionItem;
}

export function parseGoTemplate(source: string): GoNode[] {
  const parser = new Parser(lexGoTemplate(source));
  const { nodes, end } = parser.list();
  if (end !== undefined) throw new GoSyntaxError(`unexpected {{${end.keyword}}}`, end.item.position);
  return nodes;
}

class Parser {
  readonly #items: GoItem[];
  #next = 0;

  constructor(items: GoItem[]) {
    this.#items = items;
  }

  list(): { nodes: GoNode[]; end?: ListEnd } {
    const nodes: GoNode[] = [];
    while (this.#next < this.#items.length) {
      const item = this.#items[this.#next++]!;
      if (item.kind !== 'action') {
        nodes.push(item);
        continue;
      }
      const [first] = item.tokens;
      if (first?.kind === 'keyword' && (first.value === 'else' || first.value === 'end')) {
        return { nodes, end: { keyword: first.value, item } };
      }
      nodes.push(this.#action(item));
    }
    return { nodes };
  }

  #action(item: ActionItem): GoNode {
    const tokens = new TokenCursor(item.tokens, item.position);
    const first = tokens.peek();
    // nil is left to the pipeline: Go refuses it only when the template runs.
    if (first?.kind === 'keyword' && first.value !== 'nil') {
      tokens.next();
      switch (first.value) {
        case 'if':
        case 'with':
        case 'range':
          return this.#control(first.value, item, tokens);
        case 'define':
        case 'block':
          // Their bodies are named templates, not output here; skipped up to their {{end}}.
          this.#body(item, first.value);
          return { kind: 'unsupported', keyword: first.value, position: item.position, trim: item.trim };
        default:
          // template, break, continue.
          return { kind: 'unsupported', keyword: first.value, position: item.position, trim: item.trim };
      }
    }
    const pipeline = parsePipeline(tokens, 'command');
    return { kind: 'action', pipeline, position: item.position, trim: item.trim };
  }

  #control(kind: GoControlKind, item: ActionItem, tokens: TokenCursor): GoControlNode {
    const pipeline = parsePipeline(tokens, kind);
    const { nodes: body, end } = this.#body(item, kind);
    const node: GoControlNode = {
      kind,
      pipeline,
      body,
      chainedElse: false,
      position: item.position,
      trim: { open: item.trim, close: end.item.trim },
    };
    if (end.keyword === 'end') {
      expectNothingAfter(end.item, 'end');
      return node;
    }
    node.trim.else = end.item.trim;
    const elseTokens = new TokenCursor(end.item.tokens.slice(1), end.item.position);
    const chained = elseTokens.peek();
    if (chained !== undefined) {
      // `{{else if …}}` inside an if, `{{else with …}}` inside a with: a nested control whose
      // {{end}} is also this one's.
      if (chained.kind !== 'keyword' || chained.value !== kind || kind === 'range') {
        throw new GoSyntaxError(`unexpected ${describe(chained)} after else`, chained.position);
      }
      elseTokens.next();
      const nested = this.#control(kind, end.item, elseTokens);
      node.elseBody = [nested];
      node.chainedElse = true;
      node.trim.close = nested.trim.close;
      return node;
    }
    const rest = this.list();
    if (rest.end?.keyword !== 'end') {
      const where = rest.end?.item.position ?? item.position;
      throw new GoSyntaxError(rest.end ? 'expected {{end}}, found {{else}}' : `{{${kind}}} has no {{end}}`, where);
    }
    expectNothingAfter(rest.end.item, 'end');
    node.elseBody = rest.nodes;
    node.trim.close = rest.end.item.trim;
    return node;
  }

  /** The list up to the {{else}} or {{end}} that must follow. */
  #body(item: ActionItem, keyword: string): { nodes: GoNode[]; end: ListEnd } {
    const { nodes, end } = this.list();
    if (end === undefined) throw new GoSyntaxError(`{{${keyword}}} has no {{end}}`, item.position);
    if (end.keyword === 'else' && (keyword === 'define' || keyword === 'block')) {
      throw new GoSyntaxError(`unexpected {{else}} in ${keyword}`, end.item.position);
    }
    return { nodes, end };
  }
}

function expectNothingAfter(item: ActionItem, keyword: string): void {
  const extra = item.tokens[1];
  if (extra !== undefined) throw new GoSyntaxError(`unexpected ${describe(extra)} in ${keyword}`, extra.position);
}

class TokenCursor {
  readonly #tokens: readonly GoToken[];
  readonly #start: SourcePosition;
  #next = 0;

  constructor(tokens: readonly GoToken[], start: SourcePosition) {
    this.#tokens = tokens;
    this.#start = start;
  }

  peek(offset = 0): GoToken | undefined {
    return this.#tokens[this.#next + offset];
  }

  next(): GoToken | undefined {
    return this.#tokens[this.#next++];
  }

  /** Where the next token is, or the action's start when there is none. */
  get position(): SourcePosition {
    return this.peek()?.position ?? this.#tokens[this.#tokens.length - 1]?.position ?? this.#start;
  }
}

/** A pipeline up to the end of the action, or up to the `)` closing a parenthesised one. */
function parsePipeline(tokens: TokenCursor, context: string): GoPipeline {
  const position = tokens.position;
  const declarations: string[] = [];
  let isAssign = false;
  const first = tokens.peek();
  const after = tokens.peek(1);
  if (first?.kind === 'variable' && (after?.kind === 'declare' || after?.kind === 'assign')) {
    declarations.push(first.value);
    isAssign = after.kind === 'assign';
    tokens.next();
    tokens.next();
  } else if (first?.kind === 'variable' && after?.kind === 'comma') {
    const second = tokens.peek(2);
    const operator = tokens.peek(3);
    if (context !== 'range' || second?.kind !== 'variable' || operator?.kind !== 'declare') {
      throw new GoSyntaxError(context === 'range' ? 'range can only declare two variables with :=' : `too many declarations in ${context}`, first.position);
    }
    declarations.push(first.value, second.value);
    for (let i = 0; i < 4; i++) tokens.next();
  }

  const commands: GoCommand[] = [];
  for (;;) {
    const token = tokens.peek();
    if (token === undefined || token.kind === 'rightParen') break;
    if (token.kind === 'pipe') {
      if (commands.length === 0) throw new GoSyntaxError(`missing command before "|" in ${context}`, token.position);
      tokens.next();
    }
    commands.push(parseCommand(tokens, context));
  }
  if (commands.length === 0) throw new GoSyntaxError(`missing value for ${context}`, tokens.position);
  commands.forEach((command, stage) => {
    const head = command.operands[0]!;
    if (stage > 0 && ['bool', 'dot', 'nil', 'number', 'char', 'string'].includes(head.kind)) {
      throw new GoSyntaxError(`non executable command in pipeline stage ${stage + 1}`, head.position);
    }
  });
  return { declarations, isAssign, commands, position };
}

function parseCommand(tokens: TokenCursor, context: string): GoCommand {
  const position = tokens.position;
  const operands: GoOperand[] = [];
  for (;;) {
    operands.push(parseOperand(tokens, context));
    const next = tokens.peek();
    if (next === undefined || next.kind === 'pipe' || next.kind === 'rightParen') break;
    // Go needs space between arguments: `f "a""b"` is an error, not two arguments.
    if (!next.spaceBefore) throw new GoSyntaxError(`unexpected ${describe(next)} in operand`, next.position);
  }
  return { operands, position };
}

/** A term, then any `.Field`s written directly after it. */
function parseOperand(tokens: TokenCursor, context: string): GoOperand {
  const term = parseTerm(tokens, context);
  const fields: string[] = [];
  for (let next = tokens.peek(); next?.kind === 'field' && !next.spaceBefore; next = tokens.peek()) {
    fields.push(next.value.slice(1));
    tokens.next();
  }
  if (fields.length === 0) return term;
  switch (term.kind) {
    case 'field':
      return { ...term, names: [...term.names, ...fields] };
    case 'variable':
      return { ...term, fields: [...term.fields, ...fields] };
    case 'identifier':
    case 'pipeline':
      return { kind: 'chain', target: term, fields, position: term.position };
    default:
      throw new GoSyntaxError('unexpected . after term', term.position);
  }
}

function parseTerm(tokens: TokenCursor, context: string): GoOperand {
  const token = tokens.next();
  if (token === undefined) throw new GoSyntaxError(`missing value in ${context}`, tokens.position);
  const position = token.position;
  switch (token.kind) {
    case 'identifier':
      return { kind: 'identifier', name: token.value, position };
    case 'dot':
      return { kind: 'dot', position };
    case 'field':
      return { kind: 'field', names: [token.value.slice(1)], position };
    case 'variable':
      return { kind: 'variable', name: token.value, fields: [], position };
    case 'bool':
      return { kind: 'bool', value: token.value === 'true', position };
    case 'number':
      return { kind: 'number', text: token.value, position };
    case 'char':
      return { kind: 'char', text: token.value, position };
    case 'string':
      return { kind: 'string', value: token.value, position };
    case 'keyword':
      if (token.value === 'nil') return { kind: 'nil', position };
      break;
    case 'leftParen': {
      const pipeline = parsePipeline(tokens, 'parenthesized pipeline');
      if (tokens.next()?.kind !== 'rightParen') throw new GoSyntaxError('unclosed left paren', position);
      return { kind: 'pipeline', pipeline, position };
    }
    default:
      break;
  }
  throw new GoSyntaxError(`unexpected ${describe(token)} in ${context}`, position);
}

function describe(token: GoToken): string {
  return token.kind === 'string' ? `string ${JSON.stringify(token.value)}` : `"${token.value}"`;
}
