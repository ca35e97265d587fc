// A Go pipeline as one nested expression: `a | f x | g` means `g (f x a)` — each command's result
// becomes the last argument of the next — and a command with arguments is a function or method
// call. The translation works on this form, where argument order is explicit.
import type { SourcePosition } from '../template/template-error.ts';
import type { GoCommand, GoOperand, GoPipeline } from './go-syntax.ts';

/** Operands that are values by themselves. */
export type GoSimpleOperand = Exclude<GoOperand, { kind: 'identifier' | 'chain' | 'pipeline' }>;

export type GoExpression =
  | { kind: 'operand'; operand: GoSimpleOperand }
  | { kind: 'call'; name: string; args: GoExpression[]; position: SourcePosition }
  /** `.Tags.Contains "x"`: a method of the value before the last name. */
  | { kind: 'method'; receiver: GoExpression; method: string; args: GoExpression[]; position: SourcePosition }
  /** Fields of a computed value: `(index (service "web") 0).Address`. */
  | { kind: 'fields'; target: GoExpression; fields: string[]; position: SourcePosition }
  /** Arguments given to something that takes none (`.Name "x"`): Go refuses it when it runs. */
  | { kind: 'notCallable'; position: SourcePosition };

export function pipelineExpression(pipeline: GoPipeline): GoExpression {
  let result: GoExpression | undefined;
  for (const command of pipeline.commands) result = commandExpression(command, result);
  // The parser never makes a pipeline without commands.
  return result!;
}

function commandExpression(command: GoCommand, piped: GoExpression | undefined): GoExpression {
  const [head, ...rest] = command.operands as [GoOperand, ...GoOperand[]];
  const args = rest.map(operandExpression);
  if (piped !== undefined) args.push(piped);
  if (head.kind === 'identifier') return { kind: 'call', name: head.name, args, position: head.position };
  if (args.length === 0) return operandExpression(head);
  const method = splitMethod(head);
  if (method === undefined) return { kind: 'notCallable', position: head.position };
  return { kind: 'method', receiver: method.receiver, method: method.name, args, position: head.position };
}

/** `.A.B` called with arguments is method B of `.A`. */
function splitMethod(head: GoOperand): { receiver: GoExpression; name: string } | undefined {
  switch (head.kind) {
    case 'field': {
      const names = head.names.slice(0, -1);
      const receiver: GoSimpleOperand = names.length === 0 ? { kind: 'dot', position: head.position } : { ...head, names };
      return { receiver: { kind: 'operand', operand: receiver }, name: head.names[head.names.length - 1]! };
    }
    case 'variable':
      if (head.fields.length === 0) return undefined;
      return { receiver: { kind: 'operand', operand: { ...head, fields: head.fields.slice(0, -1) } }, name: head.fields[head.fields.length - 1]! };
    case 'chain': {
      const target = operandExpression(head.target);
      const receiver: GoExpression = head.fields.length === 1 ? target : { kind: 'fields', target, fields: head.fields.slice(0, -1), position: head.position };
      return { receiver, name: head.fields[head.fields.length - 1]! };
    }
    default:
      return undefined;
  }
}

export function operandExpression(operand: GoOperand): GoExpression {
  switch (operand.kind) {
    // A function named as an argument is called without arguments: `join "," services`.
    case 'identifier':
      return { kind: 'call', name: operand.name, args: [], position: operand.position };
    case 'pipeline':
      return pipelineExpression(operand.pipeline);
    case 'chain':
      return { kind: 'fields', target: operandExpression(operand.target), fields: operand.fields, position: operand.position };
    default:
      return { kind: 'operand', operand };
  }
}
