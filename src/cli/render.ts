// `drcon render`: consul-template's command line, rendering Handlebars templates from Consul.
// What runs templates is imported by the handler, not here: `drcon --version`, `--help` and the
// other commands then load none of it (start-up time is mostly module loading).
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { withConsulFlags, withStatusFlag } from './common-flags.ts';
import type { CommonArgs } from './settings-from-flags.ts';
import { parseTemplates } from './parse-templates.ts';
import { UsageError } from './usage-error.ts';
import { defaults } from '../config/defaults.ts';
import { formatDuration } from '../config/duration.ts';

interface RenderArgs extends CommonArgs {
  template?: string[];
  once: boolean;
  dry: boolean;
  check?: string[];
  exec?: string;
  execReloadSignal?: string;
  parseOnly: boolean;
}

export function renderCommand(setStatus: (code: number) => void): CommandModule<object, RenderArgs> {
  return {
    command: 'render',
    describe: 'render templates from Consul; write changed files and run their commands',
    builder: (yargs: Argv) =>
      withStatusFlag(withConsulFlags(yargs), 'off')
        .option('template', { type: 'string', array: true, describe: 'source:destination[:command] — repeat for several templates' })
        .option('config', { type: 'string', array: true, describe: 'consul-template config file, HCL or JSON; several merge in order, flags win' })
        .option('once', { type: 'boolean', default: false, describe: 'render once, run commands, exit (non-zero if anything failed)' })
        .option('consul-retry-attempts', {
          type: 'string', defaultDescription: String(defaults.retryAttempts),
          describe: 'with -once: give up (exit 1) when a Consul query failed this many times in a row; 0 retries for ever. Watching never gives up',
        })
        .option('dry', { type: 'boolean', default: false, describe: 'print rendered output to stdout; write nothing, run nothing' })
        .option('parse-only', { type: 'boolean', default: false, describe: 'load every template (syntax, helpers) and exit: 0 when all load, 1 with one line per error' })
        .option('check', { type: 'string', array: true, describe: 'destination:command run after a new file is in place, before its command; on failure the old file is put back' })
        .option('exec', { type: 'string', describe: 'supervise this command: started after the first render, signalled on every change, stop signals forwarded; drcon exits with its status' })
        .option('exec-reload-signal', { type: 'string', defaultDescription: defaults.execReloadSignal, describe: 'signal sent to the -exec child when a file changed' })
        .option('exec-kill-signal', { type: 'string', describe: 'signal sent to the -exec child when drcon stops (default: the signal drcon got)' })
        .option('exec-kill-timeout', { type: 'string', defaultDescription: formatDuration(defaults.execKillTimeoutMs), describe: 'how long the -exec child may take to stop before it is killed' })
        .example('$0 render -template "app.hbs:/etc/nginx/conf.d/app.conf:nginx -s reload"', '') as unknown as Argv<RenderArgs>,
    handler: async (argv: ArgumentsCamelCase<RenderArgs>) => {
      const { flagSignal, resolveSettings } = await import('./settings-from-flags.ts');
      const settings = await resolveSettings(argv);
      if (settings.templates.length === 0) throw new UsageError('-template: at least one template is needed (source:destination[:command])');
      const checks = parseChecks(argv.check ?? [], settings.templates.map((template) => template.destination));
      if (argv.parseOnly) return setStatus(await parseTemplates(settings.templates));
      // The -exec flags win over a config file's exec block.
      const exec = argv.exec ?? settings.exec?.command;
      const reloadSignal = flagSignal(argv.execReloadSignal ?? settings.exec?.reloadSignal ?? defaults.execReloadSignal, '-exec-reload-signal');
      if (exec !== undefined && (settings.once || settings.dry)) throw new UsageError('-exec: cannot be combined with -once or -dry');
      const [{ runTemplates }, { loggerFor }, { settingsForLog }, { childStopSignals, runSignals }] = await Promise.all([
        import('../engine/run-templates.ts'), import('../engine/settings-logger.ts'), import('../status/settings-log.ts'), import('../process/signals.ts'),
      ]);
      const logger = loggerFor(settings);
      const status = settings.statusAddress ?? 'off';
      // A one-shot run's stderr carries only what went wrong (scripts read it); a long-running one
      // starts its log with what it runs with.
      logger[settings.once ? 'debug' : 'info']('settings', settingsForLog(settings, status));
      if (argv.consulRetryAttempts !== undefined && !settings.once) {
        logger.warn('-consul-retry-attempts applies to -once only: a watching drcon keeps retrying and keeps its last good files');
      }
      // Commands and -exec need execa (about a hundred modules): templates without any never load it.
      const runsCommands = exec !== undefined || checks.size > 0 || settings.templates.some((template) => template.command !== undefined || template.check !== undefined);
      const actions = runsCommands ? await import('../runner/action.ts') : undefined;
      const shell = (command: string | undefined, timeoutMs: number | undefined) =>
        command === undefined || actions === undefined ? undefined : actions.shellAction(command, timeoutMs ?? settings.commandTimeoutMs, logger, { holdNext: !settings.once && !settings.dry });

      // The supervisor (and the readline it reads a child's output with) only for -exec.
      const [supervisor, childLifecycle] = exec === undefined ? [] : await Promise.all([import('../process/supervisor.ts'), import('../process/child-lifecycle.ts')]);
      const child = supervisor && new supervisor.ChildSupervisor();
      // -exec-kill-signal for every stop signal; without it, the signal drcon got (SIGTERM for the others).
      const lifecycle = child && childLifecycle && new childLifecycle.ChildLifecycle(child, logger, {
        signalFor: (received) => settings.execKillSignal ?? (childStopSignals.includes(received) ? received : 'SIGTERM'),
        alsoOn: runSignals(settings).stop,
        timeoutMs: settings.execKillTimeoutMs ?? defaults.execKillTimeoutMs,
      });
      try {
        setStatus(
          await runTemplates({
            settings,
            jobs: settings.templates.map((template) => ({
              source: template.source,
              contents: template.contents,
              destination: template.destination,
              output: template.output,
              check: shell(template.check ?? checks.get(template.destination), template.commandTimeoutMs),
              command: shell(template.command, template.commandTimeoutMs),
              wait: template.wait,
            })),
            logger,
            status: status === 'off' ? undefined : { address: status, required: true },
            ...(child && lifecycle && actions && exec !== undefined
              ? {
                  afterChange: actions.signalAction(child, reloadSignal),
                  onFirstRender: () => lifecycle.start(exec, { output: 'inherit', logger }),
                  until: lifecycle.stopped,
                  handleStopSignals: false,
                }
              : {}),
          }),
        );
      } finally {
        await lifecycle?.dispose();
      }
    },
  };
}

/** `-check destination:command`, each naming the destination of a `-template`. */
function parseChecks(values: string[], destinations: string[]): Map<string, string> {
  const checks = new Map<string, string>();
  for (const value of values) {
    const colon = value.indexOf(':');
    const destination = colon > 0 ? value.slice(0, colon).trim() : '';
    const command = colon > 0 ? value.slice(colon + 1).trim() : '';
    if (destination === '' || command === '') throw new UsageError(`-check: expected destination:command, got ${JSON.stringify(value)}`);
    if (!destinations.includes(destination)) throw new UsageError(`-check: no -template writes ${JSON.stringify(destination)}`);
    checks.set(destination, command);
  }
  return checks;
}
