// `drcon render`: consul-template's command line, rendering Handlebars templates from Consul.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { withConsulFlags, withStatusFlag } from './common-flags.ts';
import { resolveSettings, type CommonArgs } from './settings-from-flags.ts';
import { runTemplates } from './run-templates.ts';
import { createLogger } from '../log/logger.ts';
import { shellAction } from '../runner/action.ts';
import { UsageError } from './usage-error.ts';
import { settingsForLog } from '../status/settings-log.ts';

interface RenderArgs extends CommonArgs {
  template?: string[];
  once: boolean;
  dry: boolean;
}

export function renderCommand(setStatus: (code: number) => void): CommandModule<object, RenderArgs> {
  return {
    command: 'render',
    describe: 'render templates from Consul; write changed files and run their commands',
    builder: (yargs: Argv) =>
      withStatusFlag(withConsulFlags(yargs), 'off')
        .option('template', { type: 'string', array: true, describe: 'source:destination[:command] — repeat for several templates' })
        .option('config', { type: 'string', array: true, describe: 'consul-template JSON config file; several merge in order, flags win' })
        .option('once', { type: 'boolean', default: false, describe: 'render once, run commands, exit (non-zero if anything failed)' })
        .option('dry', { type: 'boolean', default: false, describe: 'print rendered output to stdout; write nothing, run nothing' })
        .example('$0 render -template "app.hbs:/etc/nginx/conf.d/app.conf:nginx -s reload"', '') as unknown as Argv<RenderArgs>,
    handler: async (argv: ArgumentsCamelCase<RenderArgs>) => {
      const settings = await resolveSettings(argv);
      if (settings.templates.length === 0) throw new UsageError('-template: at least one template is needed (source:destination[:command])');
      const logger = createLogger({ level: settings.logLevel, format: settings.logFormat, secrets: settings.token ? [settings.token] : [] });
      const status = settings.statusAddress ?? 'off';
      // A one-shot run's stderr carries only what went wrong (scripts read it); a long-running one
      // starts its log with what it runs with.
      logger[settings.once ? 'debug' : 'info']('settings', settingsForLog(settings, status));
      setStatus(
        await runTemplates({
          consul: { addresses: settings.consulAddresses, token: settings.token, caFile: settings.caFile, insecureSkipVerify: settings.insecureSkipVerify },
          jobs: settings.templates.map((template) => ({
            source: template.source,
            destination: template.destination,
            check: template.check ? shellAction(template.check, template.commandTimeoutMs ?? settings.commandTimeoutMs, logger) : undefined,
            command: template.command ? shellAction(template.command, template.commandTimeoutMs ?? settings.commandTimeoutMs, logger) : undefined,
          })),
          logger,
          blockingWaitMs: settings.blockingWaitMs,
          maxStaleMs: settings.maxStaleMs,
          minIntervalMs: settings.minIntervalMs,
          wait: settings.wait,
          once: settings.once,
          dry: settings.dry,
          status: status === 'off' ? undefined : { address: status, required: true },
        }),
      );
    },
  };
}
