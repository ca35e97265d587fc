// Turns what the engine reports (runner events, finished Consul requests, failing watches) into
// health and metrics. One per running engine.
import type { Action } from '../runner/action.ts';
import type { RunnerEvents, RunnerJob } from '../runner/runner.ts';
import type { ConsulRequestInfo } from '../consul/types.ts';
import type { Dependency } from '../dependency/dependency.ts';
import { HealthTracker } from './health.ts';
import { DrconMetrics } from './metrics.ts';

export interface StatusMonitorOptions {
  jobs: readonly RunnerJob[];
  /** How many dependencies are watched now. */
  watches: () => number;
  /** The jobs' command is an Nginx reload and their check `nginx -t` (drcon lb). */
  nginx?: boolean;
  /** With `nginx`: how many times Nginx was started again after it died. */
  nginxRestarts?: () => number;
}

export class StatusMonitor {
  readonly health: HealthTracker;
  readonly metrics: DrconMetrics;
  readonly #checkOf = new Map<Action, RunnerJob>();
  /** Jobs by command name: the runner runs a command once for all of them. */
  readonly #commandJobs = new Map<string, RunnerJob[]>();
  /** Jobs whose check failed in the render now under way (the runner reports the render after its check). */
  readonly #checkFailedNow = new Set<RunnerJob>();

  constructor(options: StatusMonitorOptions) {
    const names = options.jobs.map((job) => job.name);
    this.health = new HealthTracker({ templates: names, watches: options.watches });
    this.metrics = new DrconMetrics({ watches: options.watches, nginx: options.nginx, nginxRestarts: options.nginxRestarts });
    this.metrics.declareTemplates(names);
    for (const job of options.jobs) {
      if (job.check) this.#checkOf.set(job.check, job);
      if (job.command) this.#commandJobs.set(job.command.name, [...(this.#commandJobs.get(job.command.name) ?? []), job]);
    }
  }

  readonly events: RunnerEvents = {
    needs: (job, need) => {
      const keys = need.waitingForKeys.map((key) => `key ${JSON.stringify(key)} to exist`);
      this.health.needs(job.name, need.dependencies, [...need.missing, ...keys]);
    },
    rendered: (job, changed) => {
      const checkFailed = this.#checkFailedNow.delete(job);
      this.health.rendered(job.name);
      if (!checkFailed) this.health.checkPassed(job.name);
      if (changed && job.command) this.health.commandPending(job.name);
      this.metrics.rendered(job.name, !checkFailed);
    },
    renderFailed: (job, error) => {
      this.#checkFailedNow.delete(job);
      this.health.renderFailed(job.name, error.message);
      this.metrics.renderFailed(job.name);
    },
    actionDone: (action, ok, durationMs) => {
      const checked = this.#checkOf.get(action);
      if (checked) {
        this.metrics.actionDone(checked.name, 'check', ok, durationMs);
        return;
      }
      const jobs = this.#commandJobs.get(action.name) ?? [];
      // The first template configured with the command labels it: a fixed, bounded label.
      this.metrics.actionDone(jobs[0]?.name ?? '', 'command', ok, durationMs);
      if (ok) for (const job of jobs) this.health.commandDone(job.name);
    },
    actionFailed: (action, message) => {
      const checked = this.#checkOf.get(action);
      if (checked) {
        this.#checkFailedNow.add(checked);
        this.health.checkFailed(checked.name, message);
        return;
      }
      for (const job of this.#commandJobs.get(action.name) ?? []) this.health.commandDone(job.name, message);
    },
    // Only lists that reached (or failed to reach) running workers are updates.
    livePublished: (_job, result) => {
      if (result === 'sent' || result === 'failed') this.metrics.liveUpdate(result === 'sent');
    },
  };

  readonly onConsulRequest = (info: ConsulRequestInfo): void => {
    this.health.consulRequest(info.endpoint, info.status);
    this.metrics.consulRequest(info.endpoint, info.status);
  };

  readonly onWatchError = (dependency: Dependency, error: Error): void => {
    this.health.watchFailed(dependency.id, error.message);
  };

  readonly onWatchRecover = (dependency: Dependency): void => {
    this.health.watchRecovered(dependency.id);
  };
}
