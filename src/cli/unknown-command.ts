// A first word that names no command, said as one line with the nearest command when one is
// close; yargs would list it among "Unknown arguments" together with every flag after it.
import { nearestName } from './unknown-flag.ts';

/** The problem with `word` as a command name, or undefined when it is one (or is a flag). */
export function unknownCommandProblem(word: string | undefined, commands: readonly string[]): string | undefined {
  if (word === undefined || word.startsWith('-') || commands.includes(word)) return undefined;
  const nearest = nearestName(word, commands);
  return `unknown command "${word}" (${nearest === undefined ? `commands: ${commands.join(', ')}` : `did you mean ${nearest}?`})`;
}
