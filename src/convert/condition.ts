// `{{if …}}` conditions. drcon has no and/or/not helpers, so those are written as blocks: `not x`
// is `#unless x`; `and a b` nests `#if b` inside `#if a` (repeating the else branch); `or a b`
// chains `{{else if b}}` (repeating the then branch); `eq x a b` is `or (eq x a) (eq x b)`.
// Only truthiness matters in an if, so this is what Go computes.
import type { GoExpression } from './go-expression.ts';
import type { HbBlock, HbExpression, HbNode, Strip } from './handlebars-syntax.ts';

export type Condition =
  | { kind: 'test'; expression: GoExpression; negated: boolean }
  | { kind: 'and' | 'or'; parts: Condition[] };

export function conditionOf(expression: GoExpression): Condition {
  if (expression.kind === 'call') {
    const { name, args } = expression;
    if (name === 'not' && args.length === 1) return negate(conditionOf(args[0]!));
    if ((name === 'and' || name === 'or') && args.length > 0) return { kind: name, parts: args.map(conditionOf) };
    if (name === 'eq' && args.length > 2) {
      const [subject, ...candidates] = args;
      return { kind: 'or', parts: candidates.map((candidate) => test({ ...expression, args: [subject!, candidate] })) };
    }
  }
  return test(expression);
}

const test = (expression: GoExpression): Condition => ({ kind: 'test', expression, negated: false });

function negate(condition: Condition): Condition {
  if (condition.kind === 'test') return { ...condition, negated: !condition.negated };
  return { kind: condition.kind === 'and' ? 'or' : 'and', parts: condition.parts.map(negate) };
}

/** A branch's nodes and whether the Go tags around it trim its first and last text. */
export interface Branch {
  nodes: HbNode[];
  trimStart: boolean;
  trimEnd: boolean;
}

export interface ConditionalBranches {
  then: Branch;
  otherwise: Branch | undefined;
  /** `otherwise` came from `{{else if …}}`: write it as a chain. */
  chainedOtherwise: boolean;
  /** The trim markers outside the if: `{{- if` and `end -}}`. */
  outer: Strip;
}

/**
 * The block that runs `then` when the condition holds and `otherwise` when not. A branch may be
 * written twice; each copy sits between tags that trim it as the Go tags around it did.
 */
export function conditionBlock(
  condition: Condition,
  branches: ConditionalBranches,
  translate: (expression: GoExpression) => HbExpression,
): HbBlock {
  const nested = (block: HbBlock): Branch => ({ nodes: [block], trimStart: false, trimEnd: false });
  const inner = { ...branches, outer: { left: false, right: false } };
  switch (condition.kind) {
    case 'test': {
      const { then, otherwise, outer } = branches;
      return {
        kind: 'block',
        helper: condition.negated ? 'unless' : 'if',
        param: translate(condition.expression),
        blockParams: [],
        body: then.nodes,
        inverse: otherwise?.nodes,
        chained: branches.chainedOtherwise,
        strip: {
          open: { left: outer.left, right: then.trimStart },
          else: { left: then.trimEnd, right: otherwise?.trimStart ?? false },
          close: { left: (otherwise ?? then).trimEnd, right: outer.right },
        },
      };
    }
    case 'and': {
      const [first, ...rest] = condition.parts as [Condition, ...Condition[]];
      if (rest.length === 0) return conditionBlock(first, branches, translate);
      const then = nested(conditionBlock({ kind: 'and', parts: rest }, inner, translate));
      return conditionBlock(first, { ...branches, then }, translate);
    }
    case 'or': {
      const [first, ...rest] = condition.parts as [Condition, ...Condition[]];
      if (rest.length === 0) return conditionBlock(first, branches, translate);
      const otherwise = nested(conditionBlock({ kind: 'or', parts: rest }, inner, translate));
      return conditionBlock(first, { ...branches, otherwise, chainedOtherwise: true }, translate);
    }
  }
}
