// consul-template's regexMatch and regexReplaceAll use Go's regexp (RE2). Its everyday syntax is
// JavaScript's too; the differences a template meets are spelled here the way Go spells them:
// `(?P<name>…)` groups, flags at the start (`(?i)`, `(?s)`, `(?m)`), and the replacement
// template (`$1`, `${1}`, `$name`, `${name}`, `$$`). Features RE2 lacks (lookaround,
// backreferences) are refused, so a pattern never means something Go would not run.

export class GoRegexpError extends Error {}

/** A JavaScript RegExp that matches what Go's `pattern` matches (global: every match, for replacing). */
export function goRegexp(pattern: string, global = false): RegExp {
  let flags = global ? 'gu' : 'u';
  let source = pattern;
  const leading = /^\(\?([ims]+)\)/.exec(source);
  if (leading !== null) {
    flags += [...new Set(leading[1])].join('');
    source = source.slice(leading[0].length);
  }
  if (/\(\?[=!]|\(\?<[=!]/.test(source)) throw new GoRegexpError('lookahead and lookbehind are not in Go\'s regexp syntax');
  if (/\\[1-9]|\\k</.test(source)) throw new GoRegexpError('backreferences are not in Go\'s regexp syntax');
  source = source.replaceAll('(?P<', '(?<');
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new GoRegexpError(`not a regular expression: ${(error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`);
  }
}

/**
 * Go's Regexp.ReplaceAllString: `template` expanded for each match, except (as Go does) for an
 * empty match right where the previous match ended: `a*` in "baac" gives "-b-c-", not "-b--c-".
 */
export function goReplaceAll(text: string, pattern: RegExp, template: string): string {
  let lastEnd = 0;
  return text.replace(pattern, (...args: unknown[]) => {
    const hasGroups = typeof args[args.length - 1] === 'object';
    const groups = (hasGroups ? args[args.length - 1] : undefined) as Record<string, string | undefined> | undefined;
    const numbered = args.slice(0, hasGroups ? -3 : -2) as (string | undefined)[];
    const offset = args[numbered.length] as number;
    const end = offset + numbered[0]!.length;
    const replaced = end > lastEnd || offset === 0;
    lastEnd = end;
    if (!replaced) return numbered[0]!;
    return expand(template, (name) => (/^\d+$/.test(name) ? numbered[Number(name)] : groups?.[name]) ?? '');
  });
}

/**
 * Regexp.Expand: `$name` takes the longest run of letters, digits and `_`; `${name}` is braced;
 * `$$` is a `$`; a `$` not followed by a name is kept as it is. A group that does not exist is "".
 */
function expand(template: string, group: (name: string) => string): string {
  return template.replace(/\$(?:\$|\{(\w+)\}|(\w+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    return group((braced ?? bare)!);
  });
}
