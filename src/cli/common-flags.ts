// Flags shared by `drcon render` and `drcon lb`: where Consul is, how to talk to it, how to log.
// Defaults live in the settings, not here, so that a config file's value is not overridden by a
// flag the user never gave.
import type { Argv } from 'yargs';
import { logLevels } from '../log/logger.ts';
import { defaults } from '../config/defaults.ts';
import { formatDuration } from '../config/duration.ts';
import { reloadSignal } from '../process/signals.ts';

/** How drcon talks to the agent it is pointed at: token, TLS verification, client certificate (register too). */
export function withConsulConnectionFlags<T>(yargs: Argv<T>) {
  return yargs
    .option('token-file', { type: 'string', describe: 'file holding the ACL token [env CONSUL_HTTP_TOKEN holds the token itself]' })
    .option('consul-token', { type: 'string', describe: 'the ACL token itself (visible in ps: prefer -token-file or CONSUL_HTTP_TOKEN)' })
    .option('ca-file', { type: 'string', alias: 'consul-ssl-ca-cert', describe: 'CA bundle to verify an https agent [env CONSUL_CACERT]' })
    .option('ca-path', { type: 'string', alias: 'consul-ssl-ca-path', describe: 'directory of CA certificates to verify an https agent [env CONSUL_CAPATH]' })
    .option('client-cert', { type: 'string', alias: 'consul-ssl-cert', describe: 'client certificate (PEM) for an agent that verifies its clients [env CONSUL_CLIENT_CERT]' })
    .option('client-key', { type: 'string', alias: 'consul-ssl-key', describe: 'key of -client-cert (PEM) [env CONSUL_CLIENT_KEY]' })
    .option('tls-server-name', { type: 'string', alias: 'consul-ssl-server-name', describe: 'name the agent\'s certificate must be valid for [env CONSUL_TLS_SERVER_NAME]' })
    .option('insecure-skip-verify', { type: 'boolean', describe: 'do not verify the agent\'s TLS certificate (unsafe)' })
    .option('consul-ssl-verify', { type: 'boolean', defaultDescription: 'true', describe: 'consul-template\'s spelling: false is -insecure-skip-verify' });
}

export function withConsulFlags<T>(yargs: Argv<T>) {
  const withAddress = yargs
    .option('consul-addr', {
      type: 'string', array: true,
      describe: 'Consul agent address (host:port or http(s)://host:port); repeat for failover [env CONSUL_HTTP_ADDR]',
    });
  return withConsulConnectionFlags(withAddress)
    .option('max-stale', { type: 'string', defaultDescription: formatDuration(defaults.maxStaleMs), describe: 'longest staleness accepted from a stale read before asking the leader' })
    .option('max-blocking-queries', {
      type: 'string', defaultDescription: String(defaults.maxBlockingQueries),
      describe: 'most blocking queries held open; past it, service queries share catalog-wide change detection (more: faster changes, more connections)',
    })
    .option('consul-wait', { type: 'string', defaultDescription: formatDuration(defaults.blockingWaitMs), describe: 'how long each blocking query may wait at Consul' })
    .option('min-interval', { type: 'string', defaultDescription: formatDuration(defaults.minIntervalMs), describe: 'least time between two runs of a command during a burst of changes' })
    .option('wait', { type: 'string', describe: 'quiescence min[:max]: render after no change for min, at the latest after max' })
    .option('command-timeout', { type: 'string', defaultDescription: formatDuration(defaults.commandTimeoutMs), describe: 'kill a command (and its children) after this long' })
    .option('kill-signal', { type: 'string', describe: 'a signal that stops drcon, besides SIGINT and SIGTERM' })
    .option('reload-signal', { type: 'string', defaultDescription: reloadSignal, describe: 'the signal that re-reads the templates (SIGHUP then stops drcon)' })
    .option('pid-file', { type: 'string', describe: 'write drcon\'s process id to this file while it runs' })
    .option('log-level', { type: 'string', choices: logLevels, defaultDescription: defaults.logLevel, describe: 'least level logged' })
    .option('log-format', { type: 'string', choices: ['text', 'json'], defaultDescription: defaults.logFormat, describe: 'log line format' });
}

/** `-status-addr`: render serves no status by default, lb does (its container health check uses it). */
export function withStatusFlag<T>(yargs: Argv<T>, defaultDescription: string) {
  return yargs.option('status-addr', {
    type: 'string', defaultDescription,
    describe: 'HOST:PORT serving GET /health (JSON, 503 when unhealthy) and GET /metrics (Prometheus); "" or off disables [env STATUS_ADDR]',
  });
}
