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
  const output = hclLibrary().parse(text);
  const failure = /^unable to (?:parse|print) JSON: (.*)/s.exec(output);
  if (failure) throw new ConfigError(describeHclError(failure[1]!, file));
  return JSON.parse(output);
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
