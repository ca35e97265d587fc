// `drcon lb`: the DR CoN load balancer. Renders the Nginx config from Consul, runs Nginx as its
// child, checks every new config with `nginx -t` before reloading, and exits with Nginx's status.
// What runs it is imported by the handler: `drcon --version`, `--help` and other commands skip it.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../package-root.ts';
import { withConsulFlags, withStatusFlag } from './common-flags.ts';
import type { CommonArgs } from './settings-from-flags.ts';
import { UsageError } from './usage-error.ts';
import { parseListen } from '../lb/listen.ts';
import { formatStatusAddress } from '../config/status-address.ts';
import { defaults } from '../config/defaults.ts';

interface LbArgs extends CommonArgs {
  service?: string;
  listen?: string;
  dir?: string;
  startTimeout?: string;
}

const shippedTemplate = packagePath('templates', 'app.conf.hbs');
/** How long Nginx waits for the first complete render before it starts with the 503 placeholder. */
const firstRenderGraceMs = 5_000;

export function lbCommand(setStatus: (code: number) => void): CommandModule<object, LbArgs> {
  return {
    command: 'lb',
    describe: 'the DR CoN load balancer: Nginx balancing across the passing instances of services in Consul',
    builder: (yargs: Argv) =>
      withStatusFlag(withConsulFlags(yargs), formatStatusAddress(defaults.lbStatusAddress))
        .option('service', { type: 'string', describe: 'service name, or a comma-separated list; unset: route urlprefix-/path tags [env SERVICE]' })
        .option('listen', { type: 'string', describe: 'port or host:port Nginx listens on [env LISTEN]', defaultDescription: defaults.listen })
        .option('dir', { type: 'string', describe: 'directory for nginx.conf, conf.d/app.conf, pid and temp files [env NGINX_DIR]', defaultDescription: join(tmpdir(), 'drcon-nginx') })
        .option('template', { type: 'string', describe: 'replacement for the shipped Nginx template [env TEMPLATE]' })
        .option('config', { type: 'string', array: true, describe: 'consul-template config file(s), HCL or JSON, for Consul settings; several merge in order, flags win' }) as unknown as Argv<LbArgs>,
    handler: async (argv: ArgumentsCamelCase<LbArgs>) => {
      const [
        { resolveSettings }, { runTemplates }, { loggerFor }, { ChildSupervisor }, { ChildLifecycle },
        { prepareNginxDir, nginxArgs }, { openNginxStdout }, { nginxCheckAction, nginxReloadAction }, { settingsForLog },
      ] = await Promise.all([
        import('./settings-from-flags.ts'), import('../engine/run-templates.ts'), import('../engine/settings-logger.ts'),
        import('../process/supervisor.ts'), import('../process/child-lifecycle.ts'), import('../lb/layout.ts'),
        import('../lb/nginx-stdout.ts'), import('../lb/nginx-actions.ts'), import('../status/settings-log.ts'),
      ]);
      const env = process.env;
      const consulAddr = argv.consulAddr ?? (env.CONSUL ? [env.CONSUL] : undefined);
      const template = argv.template ?? env.TEMPLATE ?? shippedTemplate;
      if (Array.isArray(template)) throw new UsageError('-template: drcon lb takes one template');
      const settings = await resolveSettings({ ...argv, consulAddr, template: undefined });
      // lb renders its own template, supervises Nginx and runs until stopped: these would go unused.
      if (settings.templates.length > 0) throw new UsageError('-config: drcon lb renders its own template; remove the "template" blocks (-template replaces the shipped one)');
      if (settings.exec !== undefined) throw new UsageError('-config: drcon lb supervises Nginx; remove the "exec" block');
      if (settings.once) throw new UsageError('-config: drcon lb runs until it is stopped; remove "once"');
      const listenText = argv.listen ?? env.LISTEN ?? defaults.listen;
      let listen: string;
      try {
        listen = parseListen(listenText);
      } catch (error) {
        throw new UsageError(`-listen: ${(error as Error).message}`);
      }
      const services = (argv.service ?? env.SERVICE ?? '').split(',').map((name) => name.trim()).filter(Boolean);
      const dir = argv.dir ?? env.NGINX_DIR ?? join(tmpdir(), 'drcon-nginx');
      const logger = loggerFor(settings);
      const status = settings.statusAddress ?? defaults.lbStatusAddress;
      logger.info('settings', settingsForLog(settings, status, { services: services.length > 0 ? services.join(',') : 'routes from urlprefix- tags', listen, dir, template }));

      const layout = await prepareNginxDir(dir, { listen });
      const nginx = new ChildSupervisor();
      const nginxStdout = await openNginxStdout(layout);
      nginxStdout.output.pipe(process.stdout);

      // Signals go to Nginx (TERM/INT: fast shutdown, QUIT: graceful); drcon follows when it exits.
      const lifecycle = new ChildLifecycle(nginx, logger);
      const startNginx = () => {
        clearTimeout(startTimer);
        return lifecycle.start([layout.nginx, ...nginxArgs(layout)], { output: { stdoutFd: nginxStdout.fd }, logger, newSession: false });
      };
      const startTimer = setTimeout(() => {
        logger.warn('no complete render yet; starting nginx with the 503 placeholder');
        void startNginx();
      }, firstRenderGraceMs);

      try {
        setStatus(
          await runTemplates({
            settings,
            jobs: [{ source: template, destination: layout.appConfig, check: nginxCheckAction(layout, logger, settings.commandTimeoutMs), command: nginxReloadAction(nginx) }],
            logger,
            context: { listen, services },
            // Only an address the user chose must be free; the default one is best effort.
            status: status === 'off' ? undefined : { address: status, required: settings.statusAddress !== undefined, nginx: true },
            onFirstRender: startNginx,
            until: lifecycle.stopped,
            handleStopSignals: false,
          }),
        );
      } finally {
        clearTimeout(startTimer);
        await lifecycle.dispose();
        await nginxStdout.close();
      }
    },
  };
}
