// consul-template's list form of a command names a program and its arguments; drcon runs every
// command through /bin/sh -c. Run the command line drcon makes of a list with the real shell and
// check that the program receives exactly the words of the list.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseConfig } from '../../src/config/config-file.ts';

/** Prints its arguments as JSON. */
// `--` ends node's own options, so a generated word like "-x" reaches the script as an argument.
const echoArgs = [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', '--'];

function argumentsSeenBy(words: string[]): string[] {
  const config = JSON.stringify({ template: { source: 'a', destination: 'b', command: [...echoArgs, ...words] } });
  const command = parseConfig(config, 'config.json').templates![0]!.command!;
  return JSON.parse(execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' })) as string[];
}

describe('a command given as a list', () => {
  it('reaches the program word for word, whatever the shell would make of the words', () => {
    assert.deepEqual(argumentsSeenBy(['', "it's", '$HOME', '`id`', 'a b', '*', '\\n', '"q"', 'ü']), ['', "it's", '$HOME', '`id`', 'a b', '*', '\\n', '"q"', 'ü']);
  });

  it('keeps any words intact (property)', () => {
    const special = [..." \t\n'\"\\$`!*?[]{}()<>|&;#~=%,.:-_/@+^"];
    const word = fc.string({ unit: fc.constantFrom(...special, 'a', 'Z', '0', 'é'), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
        assert.deepEqual(argumentsSeenBy(words), words);
      }),
      { numRuns: 40 },
    );
  });
});
