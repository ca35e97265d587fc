// `drcon register`: Registrator's command line. Containers of the local Docker engine join and
// leave the local Consul agent by themselves. `drcon register [flags] consul://HOST:PORT`.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { lookup } from 'node:dns/promises';
import { hostname as osHostname } from 'node:os';
import { isIP } from 'node:net';
import { logLevels, createLogger, type LogFormat, type LogLevel } from '../log/logger.ts';
import { parseConsulAddress } from '../config/consul-address.ts';
import { parseStatusAddress, type StatusAddress } from '../config/status-address.ts';
import { defaultDockerHost, parseDockerHost } from '../register/docker-host.ts';
import { existsSync } from 'node:fs';
import { UsageError } from './usage-error.ts';
import { registratorDuration, retryAttempts, ttlSettings } from './registrator-flags.ts';
import { withConsulConnectionFlags } from './common-flags.ts';
import type { CommonArgs } from './settings-from-flags.ts';
import { consulClientOptions } from '../engine/consul-client-options.ts';

interface RegisterArgs extends Pick<CommonArgs, 'tokenFile' | 'consulToken' | 'caFile' | 'caPath' | 'clientCert' | 'clientKey' | 'tlsServerName' | 'insecureSkipVerify' | 'consulSslVerify'> {
  registry?: string;
  dockerHost?: string;
  internal: boolean;
  explicit: boolean;
  cleanup: boolean;
  ip?: string;
  tags?: string;
  resync?: string;
  deregister: string;
  retryAttempts?: string;
  retryInterval?: string;
  ttl?: string;
  ttlRefresh?: string;
  useIpFromLabel?: string;
  statusAddr?: string;
  logLevel?: string;
  logFormat?: string;
}

/** As for lb: the image's HEALTHCHECK asks here in both roles. */
const defaultStatusAddress: StatusAddress = { host: '127.0.0.1', port: 9600 };

export function registerCommand(setStatus: (code: number) => void): CommandModule<object, RegisterArgs> {
  return {
    command: 'register [registry]',
    describe: 'Registrator for Consul: running containers of the Docker engine as services of the local agent',
    builder: (yargs: Argv) =>
      withConsulConnectionFlags(yargs)
        .positional('registry', { type: 'string', describe: 'consul://HOST:PORT (consul-tls:// for https) [env CONSUL_HTTP_ADDR]', defaultDescription: 'consul://127.0.0.1:8500' })
        .option('docker-host', { type: 'string', describe: 'Docker Engine API: unix:///path/docker.sock or tcp://host:port [env DOCKER_HOST]', defaultDescription: `${defaultDockerHost}, else unix:///tmp/docker.sock` })
        .option('internal', { type: 'boolean', default: false, describe: 'register the container address and exposed ports instead of the published ones' })
        .option('ip', { type: 'string', describe: 'the address to register every service at' })
        .option('tags', { type: 'string', describe: 'comma-separated tags added to every service' })
        .option('explicit', { type: 'boolean', default: false, describe: 'register only containers with a SERVICE_NAME' })
        .option('useIpFromLabel', { type: 'string', describe: 'take the service address from this container label when it has it' })
        .option('resync', { type: 'string', defaultDescription: '0 (never)', describe: 'list every container again this often (seconds, or a duration), besides the events' })
        .option('cleanup', { type: 'boolean', default: false, describe: 'also remove services Registrator left for this host (IDs host:container:port without an owner mark)' })
        .option('deregister', { type: 'string', choices: ['always', 'on-success'], default: 'always', defaultDescription: 'always', describe: 'on-success: a container that exits with a non-zero status stays registered' })
        .option('ttl', { type: 'string', defaultDescription: '0 (none)', describe: 'give every service a TTL check of this many seconds (or a duration), passed again every -ttl-refresh: the services of a register that died go critical' })
        .option('ttl-refresh', { type: 'string', defaultDescription: '0 (none)', describe: 'with -ttl: how often the TTL checks are passed again (seconds, or a duration; less than -ttl)' })
        .option('retry-attempts', { type: 'string', defaultDescription: '-1 (for ever)', describe: 'at start, how many more times to try an unreachable Consul before exiting 1' })
        .option('retry-interval', { type: 'string', defaultDescription: '2000', describe: 'at start, between those attempts (milliseconds, or a duration)' })
        .option('status-addr', { type: 'string', defaultDescription: '127.0.0.1:9600', describe: 'HOST:PORT serving GET /health and GET /metrics; off disables [env STATUS_ADDR]' })
        .option('log-level', { type: 'string', choices: logLevels, defaultDescription: 'info', describe: 'least level logged' })
        .option('log-format', { type: 'string', choices: ['text', 'json'], defaultDescription: 'text', describe: 'log line format' })
        .example('$0 register -internal consul://127.0.0.1:8500', '') as unknown as Argv<RegisterArgs>,
    handler: async (argv: ArgumentsCamelCase<RegisterArgs>) => {
      const env = process.env;
      const address = argv.registry === undefined ? undefined : registryAddress(argv.registry);
      // Token, CA and environment as for render; the registry URI wins over CONSUL_HTTP_ADDR.
      const { resolveSettings } = await import('./settings-from-flags.ts');
      const { tokenFile, consulToken, caFile, caPath, clientCert, clientKey, tlsServerName, insecureSkipVerify, consulSslVerify, logLevel, logFormat, statusAddr } = argv;
      const settings = await resolveSettings({
        consulAddr: address === undefined ? undefined : [address],
        tokenFile, consulToken, caFile, caPath, clientCert, clientKey, tlsServerName, insecureSkipVerify, consulSslVerify, logLevel, logFormat, statusAddr,
      });
      let docker;
      try {
        docker = parseDockerHost(argv.dockerHost ?? (env.DOCKER_HOST || localSocket()));
      } catch (error) {
        throw new UsageError(`${argv.dockerHost !== undefined ? '-docker-host' : 'DOCKER_HOST'}: ${(error as Error).message}`);
      }
      if (argv.ip !== undefined && !isIP(argv.ip)) throw new UsageError(`-ip: ${JSON.stringify(argv.ip)} is not an IP address`);
      const ttl = ttlSettings(argv.ttl, argv.ttlRefresh);
      const tags = (argv.tags ?? '').split(',').map((tag) => tag.trim()).filter(Boolean);
      const logger = createLogger({ level: settings.logLevel as LogLevel, format: settings.logFormat as LogFormat, secrets: settings.token ? [settings.token] : [] });
      const hostname = osHostname();
      const status = settings.statusAddress ?? defaultStatusAddress;
      const options = {
        consul: consulClientOptions(settings),
        docker,
        mapping: {
          hostname, owner: hostname, hostIp: argv.ip, defaultHostIp: await hostAddress(hostname),
          internal: argv.internal, explicit: argv.explicit, useIpFromLabel: argv.useIpFromLabel, tags, ttlMs: ttl?.ttlMs,
        },
        ttlRefreshMs: ttl?.refreshMs ?? 0,
        deregister: argv.deregister as 'always' | 'on-success',
        resyncMs: argv.resync === undefined ? 0 : registratorDuration(argv.resync, '-resync', 1000),
        cleanup: argv.cleanup,
        retryAttempts: argv.retryAttempts === undefined ? -1 : retryAttempts(argv.retryAttempts),
        retryIntervalMs: argv.retryInterval === undefined ? 2000 : registratorDuration(argv.retryInterval, '-retry-interval', 1),
        status: status === 'off' ? undefined : { address: status, required: settings.statusAddress !== undefined },
        logger,
      };
      logger.info('settings', {
        consul: settings.consulAddresses.join(','), token: settings.token ? 'set' : 'unset', docker: docker.text, hostname,
        internal: options.mapping.internal, explicit: options.mapping.explicit, deregister: options.deregister, resync: `${options.resyncMs}ms`,
        ttl: ttl ? `${ttl.ttlMs}ms` : 'none', ttlRefresh: `${options.ttlRefreshMs}ms`,
      });
      const { runRegister } = await import('../register/run-register.ts');
      setStatus(await runRegister(options));
    },
  };
}

/** Docker's own socket, or where Registrator's users mount it into the container (/tmp/docker.sock). */
function localSocket(): string {
  return !existsSync('/var/run/docker.sock') && existsSync('/tmp/docker.sock') ? 'unix:///tmp/docker.sock' : defaultDockerHost;
}

/** "consul://host:port" → "host:port"; "consul-tls://host:port" → "https://host:port". */
function registryAddress(uri: string): string {
  const match = /^(consul|consul-tls):\/\/([^/]*)\/?$/.exec(uri.trim());
  if (!match) throw new UsageError(`registry: ${JSON.stringify(uri)}: expected consul://HOST:PORT or consul-tls://HOST:PORT`);
  const address = (match[1] === 'consul-tls' ? 'https://' : '') + (match[2] || '127.0.0.1:8500');
  try {
    parseConsulAddress(address);
  } catch (error) {
    throw new UsageError(`registry: ${(error as Error).message}`);
  }
  return address;
}

/** What a binding to all interfaces stands for (Registrator resolves the host name the same way). */
async function hostAddress(hostname: string): Promise<string | undefined> {
  try {
    return (await lookup(hostname, { family: 4 })).address;
  } catch {
    return undefined;
  }
}
