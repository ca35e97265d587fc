// Every version of a file drcon wrote, in order: the template's command appends the file as it is
// when the command runs (drcon runs it after each write and before the next render) to a log.
// Fault tests read it to assert that no version was empty, partial or older than one before it.
import { readFileSync } from 'node:fs';

export interface VersionLog {
  /** The command to give the template (-template source:destination:command). */
  readonly command: string;
  /** Each version written so far, oldest first. */
  versions(): string[];
}

const separator = '\n=== drcon version end ===\n';

export function versionLog(destination: string, log: string): VersionLog {
  const quote = (path: string) => `'${path.replaceAll("'", `'\\''`)}'`;
  return {
    command: `cat ${quote(destination)} >> ${quote(log)} && printf '${separator.replaceAll('\n', '\\n')}' >> ${quote(log)}`,
    versions() {
      let text: string;
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        return [];
      }
      return text.split(separator).slice(0, -1);
    },
  };
}
