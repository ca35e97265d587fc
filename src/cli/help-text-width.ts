// What the bundle (scripts/bundle.ts) gives yargs, cliui and wrap-ansi instead of string-width.
// They measure text only to lay out help, but string-width builds an Intl.Segmenter and Unicode
// property regexes as it loads, on every start: a quarter of `drcon render`'s spawn → first render
// (175 → 130 ms p50 of 8 starts). drcon's help is its own text, without wide characters or
// combining marks: there a character is one column, once colour codes are left out.

const colourCodes = /\x1b\[[0-9;]*m/g;

export default function helpTextWidth(text: string): number {
  return [...text.replace(colourCodes, '')].length; // code points, not UTF-16 units
}
