// Parses the command line with yargs and dispatches to one command module.
import yargs, { type Argv, type CommandModule } from 'yargs';
import { readFileSync } from 'node:fs';
import { booleanValueProblem, normalizeArgv } from './argv.ts';
import { unknownFlagProblem } from './unknown-flag.ts';
import { UsageError } from './usage-error.ts';
import { renderCommand } from './render.ts';
import { lbCommand } from './lb.ts';
import { convertCommand } from './convert.ts';
import { registerCommand } from './register.ts';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Runs drcon with these arguments; resolves to the process exit status. */
export async function runCli(args: readonly string[]): Promise<number> {
  let status = 0;
  try {
    const argv = normalizeArgv(args);
    const checked = <T>(command: CommandModule<object, T>) => checkFlags(command, args, argv);
    await yargs(argv)
      .scriptName('drcon')
      .usage('$0 <command> [flags]\n\nRenders Nginx config from Consul with blocking queries and Handlebars templates.')
      .command(checked(renderCommand((code) => (status = code))))
      .command(checked(lbCommand((code) => (status = code))))
      .command(checked(convertCommand((code) => (status = code))))
      .command(checked(registerCommand((code) => (status = code))))
      .demandCommand(1, 'no command given (try: drcon render -template "in.hbs:out.conf:cmd")')
      .version(packageJson.version)
      .strict()
      .help()
      .wrap(Math.min(110, process.stdout.columns ?? 110))
      .exitProcess(false)
      .fail((message, error) => {
        // yargs breaks some messages over lines ("Invalid values:\n  Argument: …"): keep them one.
        throw error ?? new UsageError(message.replace(/\n\s*/g, ' '));
      })
      .parseAsync();
  } catch (error) {
    // A usage error may list several problems, one per line (every unsupported config setting);
    // any other error shows its first line only.
    const lines = (error as Error).message.split('\n');
    for (const line of error instanceof UsageError ? lines : lines.slice(0, 1)) process.stderr.write(`drcon: ${line}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
  return status;
}

interface DeclaredOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  boolean: string[];
}

/**
 * The command with its flags checked against what its builder declared, before yargs reads them:
 * any command gets the same one-line errors for an unknown flag (as typed, `args`) and for a
 * switch given a value that is not true or false (in the normalized `argv`).
 */
function checkFlags<T>(command: CommandModule<object, T>, args: readonly string[], argv: readonly string[]): CommandModule<object, T> {
  const builder = command.builder as (yargs: Argv) => Argv<T>;
  return {
    ...command,
    builder: (yargs: Argv) => {
      const built = builder(yargs);
      // getOptions() is yargs' public method, missing from its type declarations.
      const options = (built as unknown as { getOptions(): DeclaredOptions }).getOptions();
      const booleans = [...options.boolean, 'help', 'version'];
      const names = [...Object.keys(options.key), ...Object.values(options.alias).flat(), 'help', 'version'];
      const problem = booleanValueProblem(argv, booleans) ?? unknownFlagProblem(args, { names, booleans });
      if (problem !== undefined) throw new UsageError(problem);
      return built;
    },
  };
}
