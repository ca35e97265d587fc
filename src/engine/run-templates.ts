// One run of drcon, wired in the order data flows: Consul client → watcher → templates → runner.
// Status (health and metrics), the change log and template hot-reload are attached to it as
// observers. The settings are read here, once, and each part gets the values it acts on.
// `render` and `lb` are thin commands over this: they build the jobs (with their checks and
// commands) and say how a run ends besides a stop signal.

import { setTimeout as sleep } from 'node:timers/promises';
import { ConsulClient } from '../consul/client.ts';
import type { ConsulClientOptions } from '../consul/types.ts';
import type { Settings } from '../config/settings.ts';
import type { Dependency } from '../dependency/dependency.ts';
import type { Logger } from '../log/logger.ts';
import { onSignals, runSignals } from '../process/signals.ts';
import type { Action } from '../runner/action.ts';
import { Runner, type RunnerEvents } from '../runner/runner.ts';
import { TemplateError } from '../template/template-error.ts';
import type { StatusMonitor } from '../status/status-monitor.ts';
import type { StatusServer } from '../status/status-server.ts';
import { RetryBudget } from '../watch/retry-budget.ts';
import { connectionsNeeded, Watcher } from '../watch/watcher.ts';
import { BlockingHold } from './blocking-hold.ts';
import { logDataChanges } from './change-log.ts';
import { consulClientOptions } from './consul-client-options.ts';
import { createStatusMonitor, serveStatus, type StatusOptions } from './status-observer.ts';
import { loadTemplateJobs, type TemplateJobSpec } from './template-jobs.ts';
import { reloadTemplatesOnChange } from './template-reload.ts';
import { PidFile } from './pid-file.ts';

export type { StatusOptions, TemplateJobSpec };

/** The settings a run reads; a command's Settings has them all. */
export type RunSettings = Pick<
  Settings,
  | 'consulAddresses' | 'token' | 'caFile' | 'caPath' | 'clientCert' | 'clientKey' | 'tlsServerName' | 'insecureSkipVerify'
  | 'blockingWaitMs' | 'maxStaleMs' | 'maxBlockingQueries'
  | 'minIntervalMs' | 'wait' | 'once' | 'retryAttempts' | 'dry'
  | 'killSignal' | 'reloadSignal' | 'pidFile' | 'templateErrorFatal'
>;

export interface RunTemplatesOptions {
  settings: RunSettings;
  jobs: TemplateJobSpec[];
  logger: Logger;
  /** Root context handed to every template (the lb's settings). */
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

export interface TemplateEngine {
  runner: Runner;
  watcher: Watcher;
  client: ConsulClient;
}

/** Runs until done (`once`) or until a stop signal; resolves to the exit status. */
export async function runTemplates(options: RunTemplatesOptions, onReady?: (engine: TemplateEngine) => void): Promise<number> {
  const { settings, logger } = options;
  const jobs = await loadTemplateJobs(options.jobs);
  // The watcher is created below; the monitor asks for its size only when scraped.
  let monitor: StatusMonitor | undefined;
  if (options.status) monitor = await createStatusMonitor(options.status, jobs, (): number => watcher.size);

  // Bounded: left to itself, an HTTP client opens a new connection whenever a long-poll asks again
  // before its last socket is free (166 for 102 queries, in the socket table), near the agent's 200.
  const maxConnections = connectionsNeeded({ maxBlockingQueries: settings.maxBlockingQueries });
  const client = new ConsulClient({ ...consulClientOptions(settings), logger, maxConnections, onRequest: monitor?.onConsulRequest });

  // A one-shot run ends, unfinished, once a query has failed too often in a row (gaveUp).
  const budget = settings.once && settings.retryAttempts ? new RetryBudget(settings.retryAttempts) : undefined;
  let giveUp: (reason: { dependency: Dependency; error: Error }) => void = () => {};
  const gaveUp = new Promise<{ dependency: Dependency; error: Error }>((resolve) => (giveUp = resolve));
  const hold = settings.once ? new BlockingHold() : undefined;
  const watcher: Watcher = new Watcher(client, {
    waitMs: settings.blockingWaitMs, maxStaleMs: settings.maxStaleMs, maxBlockingQueries: settings.maxBlockingQueries, logger,
    holdBlocking: hold && ((signal) => hold.wait(signal)),
    onError: (dependency, error) => {
      monitor?.onWatchError(dependency, error);
      if (budget?.failed(dependency)) giveUp({ dependency, error });
    },
    onRecover: (dependency) => {
      monitor?.onWatchRecover(dependency);
      budget?.recovered(dependency);
    },
  });
  // Subscribed before the runner, so that a change is logged before what it causes.
  const stopChangeLog = logDataChanges(watcher, logger);

  // template_error_fatal: a template that fails to render (not for want of data) ends the run.
  let failFatally: () => void = () => {};
  const fatalError = new Promise<number>((resolve) => (failFatally = () => resolve(1)));
  const events: RunnerEvents | undefined = settings.templateErrorFatal
    ? {
        ...monitor?.events,
        renderFailed: (job, error) => {
          monitor?.events.renderFailed?.(job, error);
          if (error instanceof TemplateError) {
            logger.error('stopping: template_error_fatal is set', { template: job.name });
            failFatally();
          }
        },
      }
    : monitor?.events;
  const runner = new Runner({
    jobs, watcher, logger, minIntervalMs: settings.minIntervalMs, wait: settings.wait,
    dry: settings.dry, context: options.context, events: hold ? openedByWaitingKeys(events, hold) : events, afterChange: options.afterChange,
  });

  let statusServer: StatusServer | undefined;
  let pidFile: PidFile | undefined;
  try {
    if (options.status && monitor) statusServer = await serveStatus(options.status, monitor, logger);
    if (settings.pidFile !== undefined) pidFile = PidFile.write(settings.pidFile);
  } catch (error) {
    await client.close();
    await statusServer?.close();
    throw error;
  }
  onReady?.({ runner, watcher, client });

  const shutdown = async () => {
    await runner.stop();
    stopChangeLog();
    watcher.stop();
    await client.close();
    await statusServer?.close();
    pidFile?.remove();
  };

  let stopOnSignal: (signal: NodeJS.Signals) => void = () => {};
  const stopSignal = new Promise<number>((resolve) => {
    stopOnSignal = (signal) => {
      logger.info('stopping', { signal });
      resolve(0);
    };
  });
  const signals = runSignals(settings);
  const stopHandlingSignals = onSignals(options.handleStopSignals === false ? [] : signals.stop, stopOnSignal);

  runner.start();
  if (settings.once) {
    // A signal ends the run unfinished (non-zero), but only after its commands are stopped:
    // Node's default handling would leave them running.
    const outcome = await Promise.race([runner.settled(), stopSignal.then(() => undefined), gaveUp]);
    stopHandlingSignals();
    if (outcome !== undefined && 'error' in outcome) {
      logger.error(`giving up: a Consul query failed ${settings.retryAttempts} times in a row`, { dependency: outcome.dependency.id, error: outcome.error.message });
    }
    await shutdown();
    const finished = outcome !== undefined && 'failed' in outcome; // not stopped, not given up
    return finished && !outcome.failed ? 0 : 1;
  }

  void runner.settled().then(() => options.onFirstRender?.());
  // Only a watching run follows its template files (-once never loads chokidar), from its first
  // complete render on, or a second after the start while data is still missing.
  const firstRender = Promise.race([runner.settled(), sleep(1000, undefined, { ref: false })]);
  const stopReloading = reloadTemplatesOnChange(jobs, runner, logger, signals.reload, firstRender);
  const status = await Promise.race([stopSignal, fatalError, options.until ?? new Promise<number>(() => {})]);
  stopHandlingSignals();
  await stopReloading();
  await shutdown();
  return status;
}

/** The events, and a render that waits for a KV key to exist opens the hold. */
function openedByWaitingKeys(events: RunnerEvents | undefined, hold: BlockingHold): RunnerEvents {
  return {
    ...events,
    needs: (job, need) => {
      events?.needs?.(job, need);
      if (need.waitingForKeys.length > 0) hold.open();
    },
  };
}
