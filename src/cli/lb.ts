// `drcon lb`: the DR CoN load balancer. Renders the Nginx config from Consul, runs Nginx as its
// child, checks every new config with `nginx -t` before reloading, starts Nginx again when it
// dies unasked (a few times in a row, then exits with its status, for the orchestrator to act).
// What runs it is imported by the handler: `drcon --version`, `--help` and other commands skip it.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../package-root.ts';
import { withConsulFlags, withStatusFlag } from './common-flags.ts';
import type { CommonArgs } from './settings-from-flags.ts';
import { parseTemplates } from './parse-templates.ts';
import { UsageError } from './usage-error.ts';
import { formatDuration } from '../config/duration.ts';
import { parseListen } from '../lb/listen.ts';
import { formatStatusAddress } from '../config/status-address.ts';
import { defaults } from '../config/defaults.ts';
import type { LiveLayout } from '../lb/live-layout.ts';

interface LbArgs extends CommonArgs {
  service?: string;
  listen?: string;
  dir?: string;
  upstreams?: string;
  startTimeout?: string;
  parseOnly?: boolean;
}

const upstreamsModes = ['reload', 'live'] as const;

const shippedTemplate = packagePath('templates', 'app.conf.hbs');
/** How long Nginx waits for the first complete render before it starts with the 503 placeholder. */
const firstRenderGraceMs = 5_000;
/**
 * Nginx dying unasked (kill -9, the OOM killer, a crash) is started again at once with the
 * current config and peer lists, then after 0.2, 0.4, 0.8 and 1.6 s: a fault that outlasts that
 * is for whatever runs drcon (the container's restart policy) to see, so drcon exits with it.
 */
const nginxRestarts = { limit: 5, firstDelayMs: 100, stableMs: 60_000 };

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
        .option('config', { type: 'string', array: true, describe: 'consul-template config file(s), HCL or JSON, for Consul settings; several merge in order, flags win' })
        .option('upstreams', {
          type: 'string', choices: upstreamsModes, defaultDescription: 'reload',
          describe: 'reload: every change is a checked Nginx reload; live: a change of instances only reaches the workers without one (needs Nginx\'s Lua module) [env UPSTREAMS]',
        })
        .option('parse-only', { type: 'boolean', default: false, describe: 'load the template (syntax, helpers) and exit: 0 when it loads, 1 with the error' })
        .option('exec-kill-signal', { type: 'string', defaultDescription: defaults.lbKillSignal, describe: 'signal Nginx gets when drcon gets SIGTERM (SIGQUIT: graceful)' })
        .option('exec-kill-timeout', { type: 'string', defaultDescription: formatDuration(defaults.lbKillTimeoutMs), describe: 'after it, a Nginx still stopping gets SIGTERM (fast shutdown), and SIGKILL 5 s later' }) as unknown as Argv<LbArgs>,
    handler: async (argv: ArgumentsCamelCase<LbArgs>) => {
      const [
        { resolveSettings }, { runTemplates }, { loggerFor }, { ChildSupervisor }, { ChildLifecycle },
        { prepareNginxDir, nginxArgs }, { openNginxStdout }, { nginxCheckAction, nginxReloadAction }, { settingsForLog },
        { runSignals }, { luaModuleDirectives }, { prepareLiveLayout, removeLiveLayout, removeStaleSocket }, { LiveUpstreams },
        { endOrphanedWorkers },
      ] = await Promise.all([
        import('./settings-from-flags.ts'), import('../engine/run-templates.ts'), import('../engine/settings-logger.ts'),
        import('../process/supervisor.ts'), import('../process/child-lifecycle.ts'), import('../lb/layout.ts'),
        import('../lb/nginx-stdout.ts'), import('../lb/nginx-actions.ts'), import('../status/settings-log.ts'),
        import('../process/signals.ts'), import('../lb/lua-module.ts'), import('../lb/live-layout.ts'), import('../lb/live-upstreams.ts'),
        import('../lb/nginx-orphans.ts'),
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
      const upstreams = argv.upstreams ?? env.UPSTREAMS ?? 'reload';
      if (!(upstreamsModes as readonly string[]).includes(upstreams)) throw new UsageError(`-upstreams: ${JSON.stringify(upstreams)} is not one of ${upstreamsModes.join(', ')}`);
      const live = upstreams === 'live';
      if (argv.parseOnly) return setStatus(await parseTemplates([{ source: template }]));
      const logger = loggerFor(settings);
      const status = settings.statusAddress ?? defaults.lbStatusAddress;
      logger.info('settings', settingsForLog(settings, status, { services: services.length > 0 ? services.join(',') : 'routes from urlprefix- tags', listen, dir, template, upstreams }));

      const layout = await prepareNginxDir(dir, { listen });
      const nginx = new ChildSupervisor();
      const check = nginxCheckAction(layout, logger, settings.commandTimeoutMs);
      let liveUpstreams: InstanceType<typeof LiveUpstreams> | undefined;
      let liveLayout: LiveLayout | undefined;
      if (live) {
        try {
          liveLayout = await prepareLiveLayout(layout, await luaModuleDirectives(layout.nginx));
          // The Lua module and lua-resty-core are loaded here first: a missing or mismatched one is one line now, not a failed start.
          const checked = await check.run();
          if (!checked.ok) throw new Error(checked.output || 'nginx -t failed');
          liveUpstreams = new LiveUpstreams({ live: liveLayout, nginxRunning: () => nginx.running, logger });
        } catch (error) {
          throw new UsageError(`-upstreams live: ${(error as Error).message}`);
        }
      } else {
        await removeLiveLayout(layout);
      }
      const nginxStdout = await openNginxStdout(layout);
      let restarts = 0;
      nginxStdout.output.pipe(process.stdout);

      // Signals go to Nginx: SIGTERM (and -kill-signal) as a graceful stop (QUIT) unless told
      // otherwise; INT is Nginx's fast shutdown. drcon follows when Nginx exits.
      const lifecycle = new ChildLifecycle(nginx, logger, {
        signalFor: (received) => (received === 'SIGINT' || received === 'SIGQUIT' ? received : settings.execKillSignal ?? defaults.lbKillSignal),
        alsoOn: runSignals(settings).stop,
        timeoutMs: settings.execKillTimeoutMs ?? defaults.lbKillTimeoutMs,
        then: 'SIGTERM',
      }, {
        ...nginxRestarts,
        // The dead master's workers hold the listening sockets (and serve the old lists): they
        // go first. The new master then loads the current config and live/peers.txt.
        prepare: async () => {
          await endOrphanedWorkers(nginxStdout.path);
          if (liveLayout) await removeStaleSocket(liveLayout);
        },
        restarted: () => (restarts += 1),
      });
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
            jobs: [{ source: template, destination: layout.appConfig, check, command: nginxReloadAction(nginx), live: liveUpstreams }],
            logger,
            context: { listen, services, live },
            // Only an address the user chose must be free; the default one is best effort.
            status: status === 'off' ? undefined : { address: status, required: settings.statusAddress !== undefined, nginx: true, nginxRestarts: () => restarts },
            onFirstRender: startNginx,
            until: lifecycle.stopped,
            handleStopSignals: false,
          }),
        );
      } finally {
        clearTimeout(startTimer);
        await lifecycle.dispose();
        // A master that died last (drcon gave up on it) may have left workers serving on.
        await endOrphanedWorkers(nginxStdout.path);
        await liveUpstreams?.close();
        await nginxStdout.close();
      }
    },
  };
}
