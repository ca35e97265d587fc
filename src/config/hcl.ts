// consul-template reads its config with HashiCorp's HCL 1 library, and so does drcon: the
// js-hcl-parser package is that same Go library compiled to JavaScript. HCL 2 parsers do not fit:
// they refuse forms HCL 1 accepts (`wait { min = "2s" max = "10s" }` on one line) and read
// "${VAR}" in a command as their own interpolation instead of leaving it to the shell.
import { createRequire } from 'node:module';
import { ConfigError } from './config-error.ts';

interface HclLibrary {
  /** HCL text → JSON text, or an error as text (the library's only way to report one). */
  parse(text: string): string;
}

let library: HclLibrary | undefined;

/** Loaded on first use: the library is large, and a run without an HCL file should not pay for it. */
function hclLibrary(): HclLibrary {
  library ??= createRequire(import.meta.url)('js-hcl-parser') as HclLibrary;
  return library;
}

/**
 * The value of the HCL `text` of `file` (the name is only used in error messages). As HCL 1
 * decodes it, every block becomes a list of objects, one per occurrence: `consul { … }` reads as
 * {"consul": [{…}]} and two `template` blocks as {"template": [{…}, {…}]}.
 */
export function parseHcl(text: string, file: string): unknown {
  // The library recurses deeply per level: a few hundred nested blocks exhaust the stack, and a
  // stack overflow inside it leaves it broken for later calls. A real config nests a few levels.
  if (nestingDepth(text) > deepestHclNesting) throw new ConfigError(`${file}: blocks or lists nested more than ${deepestHclNesting} deep`);
  let output: string;
  try {
    output = hclLibrary().parse(text);
  } catch (error) {
    if (error instanceof RangeError) throw new ConfigError(`${file}: not valid HCL (nested too deeply to say where)`);
    throw error;
  }
  const failure = /^unable to (?:parse|print) JSON: (.*)/s.exec(output);
  if (failure) throw new ConfigError(describeHclError(failure[1]!, file));
  return JSON.parse(output);
}

const deepestHclNesting = 100;

/** The deepest nesting of `{` and `[` outside strings and comments (heredocs are not told apart). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let at = 0; at < text.length; at++) {
    const char = text[at]!;
    if (char === '"') {
      for (at++; at < text.length && text[at] !== '"' && text[at] !== '\n'; at++) if (text[at] === '\\') at++;
    } else if (char === '#' || (char === '/' && text[at + 1] === '/')) {
      while (at < text.length && text[at] !== '\n') at++;
    } else if (char === '/' && text[at + 1] === '*') {
      const end = text.indexOf('*/', at + 2);
      at = end === -1 ? text.length : end + 1;
    } else if (char === '{' || char === '[') {
      deepest = Math.max(deepest, ++depth);
    } else if (char === '}' || char === ']') {
      depth--;
    }
  }
  return deepest;
}

/** "At 3:1: message" → "file:3:1: message", on one line and without any value from the file. */
function describeHclError(raw: string, file: string): string {
  const message = withoutValues(raw.split('\n')[0]!);
  const position = /^At (\d+):(\d+): (.*)$/.exec(message);
  if (!position) return `${file}: ${message}`;
  return `${file}:${position[1]}:${position[2]}: ${lowerFirst(position[3]!)}`;
}

/**
 * The library quotes the text around a mistake, which may be an ACL token: quoted strings become
 * "…" and a dump of the offending token ("Unknown token: 2:11 IDENT s3cret") is cut.
 */
function withoutValues(message: string): string {
  return message.replace(/(unknown token):? .*$/i, '$1').replace(/"(?:[^"\\]|\\.)*"/g, '"…"');
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
