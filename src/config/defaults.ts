// Every default of what a user can set, in one table. Settings start from it (settings.ts), the
// flags' help shows it, and the parts that act on a setting are always handed a value, so that no
// default is written twice. The README's flag tables repeat these values; test/readme.test.ts
// holds them to --help.
import type { LogFormat, LogLevel } from '../log/logger.ts';
import type { StatusAddress } from './status-address.ts';

export const defaults = Object.freeze({
  consulAddress: '127.0.0.1:8500',
  minIntervalMs: 200,
  maxStaleMs: 2_000,
  commandTimeoutMs: 30_000,
  blockingWaitMs: 60_000,
  maxBlockingQueries: 24,
  // consul-template's default: a script learns within seconds that Consul cannot be reached.
  retryAttempts: 12,
  logLevel: 'info' as LogLevel,
  logFormat: 'text' as LogFormat,
  execReloadSignal: 'SIGHUP',
  /** drcon lb: where Nginx listens. */
  listen: '80',
  /** drcon lb: loopback only; the image's HEALTHCHECK asks here, scraping from outside needs -status-addr 0.0.0.0:9600. */
  lbStatusAddress: Object.freeze({ host: '127.0.0.1', port: 9600 }) as StatusAddress,
});
