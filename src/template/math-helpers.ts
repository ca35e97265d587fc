// consul-template's math helpers. Go writes them in pipe order (`{{5 | subtract 2}}` is 3, so
// `subtract 2 5` is 3); Handlebars has no pipes, so drcon's read left to right: `(subtract 5 2)`
// is 5 - 2, and `drcon convert` swaps the arguments. As in Go, two whole numbers give a whole
// number (`divide 7 2` is 3, rounded toward zero); a number with a fraction makes it a fraction.
import { defineHelper, describeValue, type HelperCall, type HelperDefinition } from './helper-call.ts';

type Operation = (a: number, b: number, whole: boolean, call: HelperCall) => number;

function mathHelper(name: string, operation: Operation): HelperDefinition {
  return defineHelper(name, { params: ['a', 'b'], pure: true }, ([a, b], call) => {
    const [x, y] = [number(call, a, 'a'), number(call, b, 'b')];
    const whole = Number.isInteger(x) && Number.isInteger(y);
    const result = operation(x, y, whole, call);
    if (whole && !Number.isSafeInteger(result)) call.fail(`the result ${result} is outside the whole numbers a template can hold (±2^53)`);
    return result;
  });
}

export const mathHelpers: Record<string, HelperDefinition> = {
  add: mathHelper('add', (a, b) => a + b),
  subtract: mathHelper('subtract', (a, b) => a - b),
  multiply: mathHelper('multiply', (a, b) => a * b),
  divide: mathHelper('divide', (a, b, whole, call) => {
    if (b === 0) call.fail('division by zero');
    return whole ? Math.trunc(a / b) : a / b;
  }),
  modulo: mathHelper('modulo', (a, b, _whole, call) => {
    if (b === 0) call.fail('modulo by zero');
    return a % b;
  }),
  minimum: mathHelper('minimum', (a, b) => Math.min(a, b)),
  maximum: mathHelper('maximum', (a, b) => Math.max(a, b)),
};

/** A number; text is refused, as in consul-template (parseInt turns a KV value into one). */
function number(call: HelperCall, value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const hint = typeof value === 'string' ? ' (parseInt turns text into one)' : '';
  return call.fail(`${what} must be a number, got ${describeValue(value)}${hint}`);
}
