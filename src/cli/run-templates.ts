// Wires the data flow for commands that render templates: Consul client → watcher → runner,
// plus what a long-running process needs: template file watching, SIGHUP, clean shutdown, change
// logs, and the status server (health and metrics).

import { ConsulClient } from '../consul/client.ts';
import type { Logger } from '../log/logger.ts';
import { connectionsNeeded, Watcher } from '../watch/watcher.ts';
import { RetryBudget } from '../watch/retry-budget.ts';
import { Template } from '../template/template.ts';
import { Runner, type RunnerJob } from '../runner/runner.ts';
import type { Action } from '../runner/action.ts';
import type { ConsulClientOptions } from '../consul/types.ts';
import type { Dependency } from '../dependency/dependency.ts';
import type { StatusMonitor } from '../status/status-monitor.ts';
import type { StatusServer } from '../status/status-server.ts';
import { formatStatusAddress, type StatusAddress } from '../status/status-address.ts';
import { logDataChanges } from '../status/change-log.ts';

export interface TemplateJobSpec {
  source: string;
  destination: string;
  check?: Action;
  command?: Action;
}

export interface RunTemplatesOptions {
  consul: ConsulClientOptions;
  jobs: TemplateJobSpec[];
  logger: Logger;
  blockingWaitMs: number;
  maxStaleMs: number;
  maxBlockingQueries?: number;
  minIntervalMs: number;
  wait?: { minMs: number; maxMs: number };
  once?: boolean;
  /** With `once`: failed tries in a row of one query before the run gives up; 0 or unset: never. */
  retryAttempts?: number;
  dry?: boolean;
  context?: object;
  /** Runs once after every pass that changed a file, after the commands (exec mode's reload signal). */
  afterChange?: Action;
  /** Serve /health and /metrics. */
  status?: StatusOptions;
  /** Called once every job has rendered for the first time (exec mode starts its child here). */
  onFirstRender?: () => void | Promise<void>;
  /** Resolves when the process should stop for a reason of the caller's (its child exited). */
  until?: Promise<number>;
  /** Stop on SIGINT/SIGTERM here (default); false when the caller handles signals itself. */
  handleStopSignals?: boolean;
}

export interface StatusOptions {
  address: StatusAddress;
  /** False for a default address: when it cannot listen there, drcon warns and runs without it. */
  required: boolean;
  /** The jobs' check is `nginx -t` and their command the reload (adds the Nginx metrics). */
  nginx?: boolean;
}

export interface TemplateEngine {
  runner: Runner;
  watcher: Watcher;
  client: ConsulClient;
}

/** Runs until done (`once`) or until SIGINT/SIGTERM; resolves to the exit status. */
export async function runTemplates(options: RunTemplatesOptions, onReady?: (engine: TemplateEngine) => void): Promise<number> {
  const { logger } = options;
  const jobs: RunnerJob[] = [];
  const sourceOf = new Map<RunnerJob, string>();
  for (const spec of options.jobs) {
    // The same source may render to several destinations: the job's name tells them apart.
    const name = options.jobs.filter((other) => other.source === spec.source).length > 1 ? `${spec.source} → ${spec.destination}` : spec.source;
    const job = { name, template: await Template.fromFile(spec.source), destination: spec.destination, check: spec.check, command: spec.command };
    jobs.push(job);
    sourceOf.set(job, spec.source);
  }
  const jobsOf = (path: string) => jobs.filter((job) => sourceOf.get(job) === path);
  // The watcher is created below; the monitor asks for its size only when scraped. Loaded only
  // when asked for: prom-client adds about 20 MB of memory to a process that serves no metrics.
  let monitor: StatusMonitor | undefined;
  if (options.status) {
    const { StatusMonitor } = await import('../status/status-monitor.ts');
    monitor = new StatusMonitor({ jobs, watches: (): number => watcher.size, nginx: options.status.nginx });
  }
  // A one-shot run ends, unfinished, once a query has failed too often in a row (gaveUp).
  const budget = options.once && options.retryAttempts ? new RetryBudget(options.retryAttempts) : undefined;
  let giveUp: (reason: { dependency: Dependency; error: Error }) => void = () => {};
  const gaveUp = new Promise<{ dependency: Dependency; error: Error }>((resolve) => (giveUp = resolve));
  // Bounded: left to itself, undici opened half as many connections again as there were queries
  // while 100 long-polls started (166 for 102 queries, in the socket table), near the agent's 200.
  const maxConnections = connectionsNeeded({ maxBlockingQueries: options.maxBlockingQueries });
  const client = new ConsulClient({ logger, ...options.consul, maxConnections, onRequest: monitor?.onConsulRequest });
  const watcher: Watcher = new Watcher(client, {
    waitMs: options.blockingWaitMs, maxStaleMs: options.maxStaleMs, maxBlockingQueries: options.maxBlockingQueries, logger,
    onError: (dependency, error) => {
      monitor?.onWatchError(dependency, error);
      if (budget?.failed(dependency)) giveUp({ dependency, error });
    },
    onRecover: (dependency) => {
      monitor?.onWatchRecover(dependency);
      budget?.recovered(dependency);
    },
  });
  const stopChangeLog = logDataChanges(watcher, logger);
  const runner = new Runner({
    jobs, watcher, logger, minIntervalMs: options.minIntervalMs, wait: options.wait,
    dry: options.dry, context: options.context, events: monitor?.events, afterChange: options.afterChange,
  });
  let statusServer: StatusServer | undefined;
  try {
    if (options.status && monitor) statusServer = await serveStatus(options.status, monitor, logger);
  } catch (error) {
    await client.close();
    throw error;
  }
  onReady?.({ runner, watcher, client });

  const shutdown = async () => {
    await runner.stop();
    stopChangeLog();
    watcher.stop();
    await client.close();
    await statusServer?.close();
  };

  let stopOnSignal: (signal: NodeJS.Signals) => void = () => {};
  const stopSignal = new Promise<number>((resolve) => {
    stopOnSignal = (signal) => {
      logger.info('stopping', { signal });
      resolve(0);
    };
  });
  const stopSignals: NodeJS.Signals[] = options.handleStopSignals === false ? [] : ['SIGINT', 'SIGTERM'];
  for (const signal of stopSignals) process.on(signal, stopOnSignal);
  const stopHandlingSignals = () => {
    for (const signal of stopSignals) process.off(signal, stopOnSignal);
  };

  runner.start();
  if (options.once) {
    // A signal ends the run unfinished (non-zero), but only after its commands are stopped:
    // Node's default handling would leave them running.
    const outcome = await Promise.race([runner.settled(), stopSignal.then(() => undefined), gaveUp]);
    stopHandlingSignals();
    if (outcome !== undefined && 'error' in outcome) {
      logger.error(`giving up: a Consul query failed ${options.retryAttempts} times in a row`, { dependency: outcome.dependency.id, error: outcome.error.message });
    }
    await shutdown();
    const finished = outcome !== undefined && 'failed' in outcome; // not stopped, not given up
    return finished && !outcome.failed ? 0 : 1;
  }

  void runner.settled().then(() => options.onFirstRender?.());
  const reloadTemplates = async (changed: RunnerJob[]) => {
    for (const job of changed) {
      try {
        job.template = await Template.fromFile(sourceOf.get(job)!);
        logger.info('template reloaded', { template: job.name });
      } catch (error) {
        // Keep rendering with the last good template; the output on disk stays as it is.
        logger.error(`template not reloaded: ${(error as Error).message}`, { template: job.name });
      }
    }
    runner.invalidate(changed);
  };

  const onHangup = () => void reloadTemplates(jobs);
  process.on('SIGHUP', onHangup);

  // Only a watching run follows its template files: -once never loads chokidar.
  const { watch: watchFiles } = await import('chokidar');
  const fileWatcher = watchFiles([...new Set(sourceOf.values())], { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 } });
  fileWatcher.on('change', (path) => void reloadTemplates(jobsOf(path)));
  fileWatcher.on('add', (path) => void reloadTemplates(jobsOf(path)));
  fileWatcher.on('unlink', (path) => logger.error('template file removed; keeping the last good output', { template: path }));
  const status = await Promise.race([stopSignal, options.until ?? new Promise<number>(() => {})]);
  stopHandlingSignals();
  process.off('SIGHUP', onHangup);
  await fileWatcher.close();
  await shutdown();
  return status;
}

/** Starts the status server; a default address that is taken only costs a warning. */
async function serveStatus(options: StatusOptions, monitor: StatusMonitor, logger: Logger): Promise<StatusServer | undefined> {
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
