// consul-template's regexMatch and regexReplaceAll use Go's regexp, which is RE2: its syntax
// (`(?P<name>…)`, `(?i)`, no lookaround, no backreferences) and, what matters with catalog data,
// a run time linear in the text whatever the pattern. re2js is RE2 in JavaScript, so a pattern
// means what Go makes of it, a bad one is refused with Go's own wording, and `(a+)+$` over a
// hostile tag cannot stall a render the way JavaScript's backtracking RegExp would.
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

type Re2js = typeof import('re2js');
let re2js: Re2js | undefined;

/** re2js is a quarter of a megabyte of code that only templates with a regexp helper need: it is
 * loaded at the first such call, not parsed at every start. */
function loadRe2js(): Re2js {
  return (re2js ??= createRequire(import.meta.url)('re2js') as Re2js);
}

export class GoRegexpError extends Error {}

/** The compiled form of Go's `pattern`; a pattern Go would refuse throws a GoRegexpError. */
export function goRegexp(pattern: string): RE2JS {
  const { RE2JS, RE2JSException } = loadRe2js();
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    if (error instanceof RE2JSException) throw new GoRegexpError(error.message);
    throw error;
  }
}

/**
 * Go's Regexp.ReplaceAllString: `template` expanded for each match, except (as Go does) for an
 * empty match right where the previous match ended: `a*` in "baac" gives "-b-c-", not "-b--c-".
 */
export function goReplaceAll(text: string, pattern: RE2JS, template: string): string {
  const matcher = pattern.matcher(text);
  const groupCount = pattern.groupCount();
  const names = pattern.namedGroups();
  let result = '';
  let copiedUpTo = 0;
  let previousEnd = -1;
  while (matcher.find()) {
    const start = matcher.start();
    const end = matcher.end();
    if (start === end && start === previousEnd) continue;
    previousEnd = end;
    result += text.slice(copiedUpTo, start) + expand(template, (name) => {
      const index = /^\d+$/.test(name) ? Number(name) : Object.hasOwn(names, name) ? names[name] : undefined;
      return index !== undefined && index <= groupCount ? (matcher.group(index) ?? '') : '';
    });
    copiedUpTo = end;
  }
  return result + text.slice(copiedUpTo);
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
