// `drcon convert`: translates a consul-template template into drcon's Handlebars. Every construct
// it cannot translate goes to stderr as `file:line:col: cannot translate "name": why`; the
// result is still written, with a marker in each such place, and the exit status is then 1.
// The converter (and Handlebars) is imported by the handler: other commands never load it.
import { readFile, writeFile } from 'node:fs/promises';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { convertTemplate } from '../convert/convert.ts';
import { UsageError } from './usage-error.ts';

interface ConvertArgs {
  file?: string;
  output?: string;
}

export function convertCommand(setStatus: (code: number) => void): CommandModule<object, ConvertArgs> {
  return {
    command: 'convert [file]',
    describe: 'translate a consul-template template into drcon Handlebars (stdout, or -o file)',
    builder: (yargs: Argv) =>
      yargs
        .positional('file', { type: 'string', describe: 'the consul-template (Go text/template) source' })
        .option('output', { alias: 'o', type: 'string', describe: 'write the result to this file instead of stdout' })
        .example('$0 convert nginx.ctmpl -o nginx.hbs', '') as unknown as Argv<ConvertArgs>,
    handler: async (argv: ArgumentsCamelCase<ConvertArgs>) => {
      const file = argv.file;
      if (file === undefined || file === '') throw new UsageError('convert: no template given (drcon convert file.ctmpl [-o out.hbs])');
      let source: string;
      try {
        source = await readFile(file, 'utf8');
      } catch (error) {
        throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
      }
      const [{ formatProblem, GoSyntaxError }, { convertTemplate }] = await Promise.all([
        import('../convert/conversion-problem.ts'), import('../convert/convert.ts'),
      ]);
      let result: ReturnType<typeof convertTemplate>;
      try {
        result = convertTemplate(source);
      } catch (error) {
        if (!(error instanceof GoSyntaxError)) throw error;
        // Not a Go template at all: nothing is written.
        process.stderr.write(`${error.format(file)}\n`);
        setStatus(1);
        return;
      }
      for (const problem of result.problems) process.stderr.write(`${formatProblem(file, problem)}\n`);
      if (argv.output === undefined) process.stdout.write(result.output);
      else await writeFile(argv.output, result.output);
      setStatus(result.problems.length === 0 ? 0 : 1);
    },
  };
}
