// Parses the command line with yargs and dispatches to one command module.
import { readFileSync } from 'node:fs';
import { booleanValueProblem, normalizeArgv } from './argv.ts';
import { UsageError } from './usage-error.ts';
import { packagePath } from '../package-root.ts';
import type { ArgumentsCamelCase, Argv } from 'yargs';

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
    const problem = booleanValueProblem(argv, ['once', 'dry', 'insecure-skip-verify', 'help', 'version']);
    if (problem !== undefined) throw new UsageError(problem);
    const [{ default: yargs }, { renderCommand }, { lbCommand }, { convertCommand }] = await Promise.all([
      import('yargs'), import('./render.ts'), import('./lb.ts'), import('./convert.ts'),
    ]);
    const setStatus = (code: number) => (status = code);
    const commands = { render: renderCommand(setStatus), lb: lbCommand(setStatus), convert: convertCommand(setStatus) };
    const parser = (args: string[]) =>
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
    // --help, --version and convert go through yargs's commands.
    const direct = argv[0] === 'render' || argv[0] === 'lb' ? commands[argv[0]] : undefined;
    if (direct !== undefined && !argv.includes('--help') && !argv.includes('--version')) {
      const builder = direct.builder as (parser: Argv) => Argv<ArgumentsCamelCase<object>>;
      const parsed = await builder(parser(argv.slice(1)).scriptName(`drcon ${argv[0]}`)).parseAsync();
      const unknown = parsed._.map(String);
      // What yargs's strict mode says of a stray positional (it checks those only for commands).
      if (unknown.length > 0) throw new UsageError(`Unknown argument${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
      await (direct.handler as (argv: ArgumentsCamelCase<object>) => Promise<void>)(parsed);
      return status;
    }

    await parser(argv)
      .scriptName('drcon')
      .usage('$0 <command> [flags]\n\nRenders Nginx config from Consul with blocking queries and Handlebars templates.')
      .command(commands.render)
      .command(commands.lb)
      .command(commands.convert)
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
