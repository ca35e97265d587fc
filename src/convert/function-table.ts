// consul-template's functions and the drcon helper calls that do the same. consul-template puts
// the piped value last (`.Tags | join ","` is `join "," .Tags`); drcon's helpers take the thing
// worked on first (`join Tags ","`), so several calls change argument order here.
import type { SourcePosition } from '../template/template-error.ts';
import type { GoExpression } from './go-expression.ts';
import { call, literal, type HbExpression } from './handlebars-syntax.ts';

export interface FunctionCall {
  readonly name: string;
  readonly args: readonly GoExpression[];
  readonly position: SourcePosition;
  /** An argument translated. */
  value(arg: GoExpression): HbExpression;
  /** The argument's text when it is a string literal. */
  literalText(arg: GoExpression): string | undefined;
  /** Reports the call as untranslatable; its marker stands in its place. */
  fail(reason: string): HbExpression;
}

type Translation = (call: FunctionCall) => HbExpression;

/** A call with exactly these arguments, given in drcon's order by `order` (indexes into Go's). */
function reordered(helper: string, order: readonly number[]): Translation {
  return (fn) => {
    if (fn.args.length !== order.length) return fn.fail(`takes ${order.length} argument${order.length === 1 ? '' : 's'}, got ${fn.args.length}`);
    return call(helper, order.map((index) => fn.value(fn.args[index]!)));
  };
}

const same = (helper: string, count: number) => reordered(helper, [...Array(count).keys()]);

/** `services "@dc1"` / `nodes "@dc1"`: consul-template's only argument is the datacenter. */
function catalogList(helper: string): Translation {
  return (fn) => {
    if (fn.args.length === 0) return call(helper, []);
    const text = fn.args.length === 1 ? fn.literalText(fn.args[0]!) : undefined;
    if (text === '') return call(helper, []);
    if (text?.startsWith('@')) return call(helper, [], [['dc', literal(text.slice(1), fn.position)]]);
    return fn.fail('only a literal "@datacenter" argument can be translated');
  };
}

/**
 * Go's math functions take their arguments in pipe order (`subtract 2 5` is 5 - 2); drcon's read
 * left to right. Go tells `2.0` (a float) from `2`; Handlebars reads both as 2, which would turn
 * a float division into a whole one, so such a constant is not translated.
 */
function math(helper: string): Translation {
  const translation = reordered(helper, [1, 0]);
  return (fn) => {
    const fraction = fn.args.find((arg) => arg.kind === 'operand' && arg.operand.kind === 'number' && /[.eE]/.test(arg.operand.text) && Number.isInteger(Number(arg.operand.text)));
    if (fraction !== undefined) return fn.fail('a whole number written as a fraction (2.0) reads as a whole number in Handlebars; write 2, or compute with a fraction');
    return translation(fn);
  };
}

const translations: Record<string, Translation> = {
  // consul-template joins the arguments with "|": `service "web" "passing,warning"` is
  // "web|passing,warning", which drcon's query syntax reads the same way.
  service: (fn) => {
    const texts = fn.args.map((arg) => fn.literalText(arg));
    if (fn.args.length > 0 && texts.every((text) => text !== undefined)) return call('service', [literal(texts.join('|'), fn.position)]);
    if (fn.args.length === 1) return call('service', [fn.value(fn.args[0]!)]);
    if (fn.args.length === 2 && texts[1] !== undefined) return call('service', [fn.value(fn.args[0]!)], [['filter', literal(texts[1], fn.position)]]);
    return fn.fail('only a query and an optional literal status filter can be translated');
  },
  services: catalogList('services'),
  nodes: catalogList('nodes'),
  key: same('key', 1),
  keyExists: same('keyExists', 1),
  safeLs: same('safeLs', 1),
  safeTree: same('safeTree', 1),
  node: (fn) => (fn.args.length <= 1 ? call('node', fn.args.map((arg) => fn.value(arg))) : fn.fail('takes at most 1 argument')),
  // consul-template's optional argument leaves out datacenters the agent cannot reach; drcon lists them all.
  datacenters: (fn) => (fn.args.length === 0 ? call('datacenters', []) : fn.fail('only datacenters without arguments can be translated')),
  keyOrDefault: same('keyOrDefault', 2),
  ls: same('ls', 1),
  tree: same('tree', 1),
  env: same('env', 1),
  toLower: same('toLower', 1),
  toUpper: same('toUpper', 1),
  byTag: same('byTag', 1),
  ne: same('ne', 2),
  eq: (fn) => (fn.args.length === 2 ? same('eq', 2)(fn) : fn.fail('eq with more than two arguments is only translated as an if condition')),
  join: reordered('join', [1, 0]),
  split: reordered('split', [1, 0]),
  replaceAll: reordered('replaceAll', [2, 0, 1]),
  regexReplaceAll: reordered('regexReplaceAll', [2, 0, 1]),
  regexMatch: reordered('regexMatch', [1, 0]),
  trimPrefix: reordered('trimPrefix', [1, 0]),
  trimSuffix: reordered('trimSuffix', [1, 0]),
  trimSpace: same('trimSpace', 1),
  contains: reordered('contains', [1, 0]),
  in: same('in', 2),
  containsAny: reordered('containsAny', [1, 0]),
  containsAll: reordered('containsAll', [1, 0]),
  byMeta: reordered('byMeta', [1, 0]),
  parseJSON: same('parseJSON', 1),
  parseInt: same('parseInt', 1),
  parseBool: same('parseBool', 1),
  toJSON: same('toJSON', 1),
  base64Encode: same('base64Encode', 1),
  base64Decode: same('base64Decode', 1),
  add: math('add'),
  subtract: math('subtract'),
  multiply: math('multiply'),
  divide: math('divide'),
  modulo: math('modulo'),
  minimum: math('minimum'),
  maximum: math('maximum'),
  // index x k1 k2 is x[k1][k2].
  index: (fn) => {
    const [collection, ...keys] = fn.args;
    if (collection === undefined) return fn.fail('takes at least 1 argument');
    return keys.reduce<HbExpression>((value, key) => call('lookup', [value, fn.value(key)]), fn.value(collection));
  },
};

const conditionOnly = new Set(['and', 'or', 'not']);

export function translateFunction(fn: FunctionCall): HbExpression {
  const translation = Object.hasOwn(translations, fn.name) ? translations[fn.name] : undefined;
  if (translation !== undefined) return translation(fn);
  if (conditionOnly.has(fn.name)) return fn.fail(`drcon has no ${fn.name} helper; it is only translated as an if condition`);
  return fn.fail('drcon has no equivalent of this function');
}
