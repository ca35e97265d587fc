// Health and metrics, an observer of the run: a StatusMonitor fed by the client, the watcher and
// the runner, served over HTTP.
import type { Logger } from '../log/logger.ts';
import type { RunnerJob } from '../runner/runner.ts';
import type { StatusMonitor } from '../status/status-monitor.ts';
import type { StatusServer } from '../status/status-server.ts';
import { formatStatusAddress, type StatusAddress } from '../config/status-address.ts';

export interface StatusOptions {
  address: StatusAddress;
  /** False for a default address: when it cannot listen there, drcon warns and runs without it. */
  required: boolean;
  /** The jobs' check is `nginx -t` and their command the reload (adds the Nginx metrics). */
  nginx?: boolean;
  /** With `nginx`: how many times Nginx was started again after it died. */
  nginxRestarts?: () => number;
}

/**
 * The monitor for these jobs; `watches` is asked only when scraped. Loaded only when asked for:
 * prom-client adds its memory to a process that serves no metrics.
 */
export async function createStatusMonitor(options: StatusOptions, jobs: readonly RunnerJob[], watches: () => number): Promise<StatusMonitor> {
  const { StatusMonitor } = await import('../status/status-monitor.ts');
  return new StatusMonitor({ jobs, watches, nginx: options.nginx, nginxRestarts: options.nginxRestarts });
}

/** Starts the status server; a default address that is taken only costs a warning. */
export async function serveStatus(options: StatusOptions, monitor: StatusMonitor, logger: Logger): Promise<StatusServer | undefined> {
  try {
    const { startStatusServer } = await import('../status/status-server.ts');
    const server = await startStatusServer(options.address, {
      health: () => monitor.health.report(),
      metrics: () => monitor.metrics.text(),
      metricsContentType: monitor.metrics.contentType,
    });
    logger.info('status server listening', { address: formatStatusAddress(server.address), routes: '/health /metrics' });
    return server;
  } catch (error) {
    if (options.required) throw error;
    logger.warn(`${(error as Error).message}; running without it (set -status-addr)`);
    return undefined;
  }
}
