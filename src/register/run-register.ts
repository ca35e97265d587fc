// `drcon register` running: the Docker follower fills the container table, the reconciler keeps
// the agent in step with it, the status server reports both. Stops on SIGINT/SIGTERM.
import { ConsulClient } from '../consul/client.ts';
import type { ConsulClientOptions } from '../consul/types.ts';
import type { Logger } from '../log/logger.ts';
import { startStatusServer, type StatusServer } from '../status/status-server.ts';
import { formatStatusAddress, type StatusAddress } from '../config/status-address.ts';
import { AgentServices } from './agent-services.ts';
import { ContainerTable } from './container-table.ts';
import { DockerClient } from './docker-client.ts';
import { DockerFollower, type DeregisterMode } from './docker-follower.ts';
import type { DockerHost } from './docker-host.ts';
import { Reconciler } from './reconciler.ts';
import { RegisterStatus } from './register-status.ts';
import type { MappingOptions } from './service-mapping.ts';
import { waitForConsul } from './wait-for-consul.ts';

export interface RegisterOptions {
  consul: Omit<ConsulClientOptions, 'logger' | 'onRequest'>;
  docker: DockerHost;
  mapping: MappingOptions;
  deregister: DeregisterMode;
  resyncMs: number;
  /** -ttl-refresh: how often the TTL checks of -ttl are passed again (0: no such checks). */
  ttlRefreshMs: number;
  /** -cleanup: also remove what Registrator left for this host. */
  cleanup: boolean;
  /** -retry-attempts (-1: for ever) and -retry-interval, for the first contact with Consul. */
  retryAttempts: number;
  retryIntervalMs: number;
  status: { address: StatusAddress; required: boolean } | undefined;
  logger: Logger;
}

/** Resolves to the exit status: 0 when stopped by a signal, 1 when Consul never answered. */
export async function runRegister(options: RegisterOptions): Promise<number> {
  const { logger } = options;
  const status = new RegisterStatus({ served: options.status !== undefined });
  const consul = new ConsulClient({ ...options.consul, logger });
  const docker = new DockerClient(options.docker);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info(`${signal}: stopping; registrations stay as they are`);
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let server: StatusServer | undefined;
  try {
    server = await serveStatus(options, status);
    if (!(await waitForConsul(consul, options, stop.signal))) return stop.signal.aborted ? 0 : 1;
    const agent = new AgentServices(consul, { owner: options.mapping.owner, cleanupPrefix: options.cleanup ? `${options.mapping.hostname}:` : undefined });
    const table = new ContainerTable(options.mapping, logger, () => reconciler.wake());
    const reconciler: Reconciler = new Reconciler({ agent, desired: () => table.desired(), logger, events: status, ttlRefreshMs: options.ttlRefreshMs });
    const follower = new DockerFollower({ docker, table, logger, events: status, deregister: options.deregister, resyncMs: options.resyncMs });
    await Promise.all([follower.run(stop.signal), reconciler.run(stop.signal)]);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server?.close();
    await docker.close();
    await consul.close();
  }
}

async function serveStatus(options: RegisterOptions, source: RegisterStatus): Promise<StatusServer | undefined> {
  if (options.status === undefined) return undefined;
  try {
    const server = await startStatusServer(options.status.address, source);
    options.logger.info('status server listening', { address: formatStatusAddress(server.address), routes: '/health /metrics' });
    return server;
  } catch (error) {
    if (options.status.required) throw error;
    options.logger.warn(`${(error as Error).message}; running without it (set -status-addr)`);
    return undefined;
  }
}
