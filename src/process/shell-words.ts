// The text drcon hands `/bin/sh -c`. consul-template's list form (["nginx", "-s", "reload"])
// names a program and its arguments: quoting each word turns the list into a shell command that
// runs exactly that program with exactly those arguments. A supervised child's command line is
// exec'd by the shell when it can be, so that signals reach the program.

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

/**
 * The command line for /bin/sh -c. Dash forks even for a single command, which leaves the shell
 * between drcon and the program: a reload signal (SIGHUP) would end the shell, not reach the
 * program, and leave it orphaned. So a single simple command is exec'd: the program replaces the
 * shell. Anything with control operators, a subshell, an assignment or a reserved word first
 * keeps the shell.
 */
export function shellCommand(command: string): string {
  const first = /^\s*(\S*)/.exec(command)![1]!;
  const keepsShell = hasControlOperator(command) || first.includes('=') || shellReservedWords.has(first);
  return keepsShell ? command : `exec ${command}`;
}

/** Whether `command` has `;`, `&`, `|`, a newline, parentheses or a backquote outside quotes. */
function hasControlOperator(command: string): boolean {
  let quote: string | undefined;
  for (let at = 0; at < command.length; at++) {
    const char = command[at]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
    } else if (char === '\\') {
      at++; // an escaped character is a plain one, inside double quotes too
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (';&|()\n`'.includes(char)) {
      return true;
    }
  }
  return false;
}

const shellReservedWords = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'case', 'esac', 'while', 'until', 'for', 'in', '{', '}', '!', 'exec', '']);
