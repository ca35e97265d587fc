// Parses the command line with yargs and dispatches to one command module.
import { readFileSync } from 'node:fs';
import { booleanValueProblem, normalizeArgv } from './argv.ts';
import { unknownCommandProblem } from './unknown-command.ts';
import { unknownFlagProblem } from './unknown-flag.ts';
import { UsageError } from './usage-error.ts';
import { packagePath } from '../package-root.ts';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

const packageJson = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };

/** Runs drcon with these arguments; resolves to the process exit status. */
export async function runCli(args: readonly string[]): Promise<number> {
  let status = 0;
  try {
    const argv = normalizeArgv(args);
    // `drcon --version` alone answers before yargs loads: a third of its start-up otherwise.
    if (argv.length === 1 && argv[0] === '--version') {
      process.stdout.write(`${packageJson.version}\n`);
      return 0;
    }
    const setStatus = (code: number) => (status = code);
    const checked = <T>(command: CommandModule<object, T>) => checkFlags(command, args, argv);
    const loadCommand = {
      render: async () => checked((await import('./render.ts')).renderCommand(setStatus)),
      lb: async () => checked((await import('./lb.ts')).lbCommand(setStatus)),
      convert: async () => checked((await import('./convert.ts')).convertCommand(setStatus)),
      register: async () => checked((await import('./register.ts')).registerCommand(setStatus)),
    };
    const commandProblem = unknownCommandProblem(argv[0], Object.keys(loadCommand));
    if (commandProblem !== undefined) throw new UsageError(commandProblem);
    const parser = (yargs: typeof import('yargs').default, args: string[]) =>
      yargs(args)
        .version(packageJson.version)
        .strict()
        .help()
        .wrap(Math.min(110, process.stdout.columns ?? 110))
        .exitProcess(false)
        .fail((message, error) => {
          // yargs breaks some messages over lines ("Invalid values:\n  Argument: …"): keep them one.
          throw error ?? new UsageError(message.replace(/\n\s*/g, ' '));
        });

    // yargs lays out a command's whole help text each time it runs one, shown or not: measuring
    // every word's width was a fifth of `drcon render`'s start-up. render and lb (flags only, no
    // positionals) are parsed as the flags of a top-level parser and their handler called here;
    // --help, --version and convert go through yargs's commands. Such a run loads only yargs and
    // its own command's module.
    if ((argv[0] === 'render' || argv[0] === 'lb') && !argv.includes('--help') && !argv.includes('--version')) {
      const [{ default: yargs }, direct] = await Promise.all([import('yargs'), loadCommand[argv[0]]()]);
      const builder = direct.builder as (parser: Argv) => Argv<ArgumentsCamelCase<object>>;
      const parsed = await builder(parser(yargs, argv.slice(1)).scriptName(`drcon ${argv[0]}`)).parseAsync();
      const unknown = parsed._.map(String);
      // What yargs's strict mode says of a stray positional (it checks those only for commands).
      if (unknown.length > 0) throw new UsageError(`Unknown argument${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
      await (direct.handler as (argv: ArgumentsCamelCase<object>) => Promise<void>)(parsed);
      return status;
    }

    const [{ default: yargs }, render, lb, convert, register] = await Promise.all([
      import('yargs'), loadCommand.render(), loadCommand.lb(), loadCommand.convert(), loadCommand.register(),
    ]);
    await parser(yargs, argv)
      .scriptName('drcon')
      .usage('$0 <command> [flags]\n\nRenders Nginx config from Consul with blocking queries and Handlebars templates.')
      .command(render)
      .command(lb)
      .command(convert)
      .command(register)
      .demandCommand(1, 'no command given (try: drcon render -template "in.hbs:out.conf:cmd")')
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
