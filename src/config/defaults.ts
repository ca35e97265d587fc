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
  // One long-poll per service answers a change faster than the change detector (one small
  // answer instead of a signal, then a fetch, or the list of every check), and renders sooner
  // after start at 100 services. 128 serves a template over about 125 services that way, with as
  // many connections: room under the agent's 200 per client address for other clients on the host.
  maxBlockingQueries: 128,
  // consul-template's default: a script learns within seconds that Consul cannot be reached.
  retryAttempts: 12,
  logLevel: 'info' as LogLevel,
  logFormat: 'text' as LogFormat,
  execReloadSignal: 'SIGHUP',
  /** How long an -exec child may take to stop before SIGKILL (consul-template's is 30 s). */
  execKillTimeoutMs: 5_000,
  /** drcon lb: what Nginx gets on SIGTERM, its graceful stop, and how long that may take before SIGTERM. */
  lbKillSignal: 'SIGQUIT' as NodeJS.Signals,
  /** Past nginx.conf's worker_shutdown_timeout (10 s), so that the graceful stop can finish first. */
  lbKillTimeoutMs: 15_000,
  /** drcon lb: where Nginx listens. */
  listen: '80',
  /** drcon lb: loopback only; the image's HEALTHCHECK asks here, scraping from outside needs -status-addr 0.0.0.0:9600. */
  lbStatusAddress: Object.freeze({ host: '127.0.0.1', port: 9600 }) as StatusAddress,
});
