// drcon runs every command through `/bin/sh -c`; consul-template's list form
// (["nginx", "-s", "reload"]) names a program and its arguments instead. Quoting each word turns
// the list into a shell command that runs exactly that program with exactly those arguments.

/** Words that the shell reads back unchanged without quotes. */
const plainWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `args` as one shell command line: each word stays one argument, with no expansion. */
export function shellCommandLine(args: readonly string[]): string {
  return args.map(quoteWord).join(' ');
}

function quoteWord(word: string): string {
  if (plainWord.test(word)) return word;
  // Inside single quotes nothing is special; a single quote itself closes, escapes and reopens.
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
