// The runner turns data into files: render every template whose dependencies changed, write the
// ones whose bytes changed (atomically), check them, then run their commands — each distinct
// command once, after all files are written. Bursts of changes are paced by the scheduler.

import type { Dependency } from '../dependency/dependency.ts';
import type { Logger } from '../log/logger.ts';
import { RenderError, type RenderResult, type Template } from '../template/template.ts';
import type { LiveUpstream } from '../template/render-context.ts';
import type { Watcher } from '../watch/watcher.ts';
import type { Action } from './action.ts';
import { readFileIfExists, removeStaleTempFiles, writeFileAtomic } from '../output/atomic-write.ts';
import { RenderScheduler } from './scheduler.ts';
import { QuietWindow } from './quiet-window.ts';
import type { WaitSettings } from '../config/wait.ts';
import type { OutputSettings } from '../config/settings.ts';
import { rm } from 'node:fs/promises';

/** A template as the runner runs it: compiled from `source`, written to `destination`. */
export interface RunnerJob {
  /** Unique name for logs and for the watcher (the source path, or source → destination). */
  readonly name: string;
  /** The file the template is compiled from (and again when it is edited); with `contents`, its name. */
  readonly source: string;
  /** The template itself, given in a config file rather than read from `source`. */
  readonly contents?: string;
  template: Template;
  readonly destination: string;
  /** Runs after the new file is in place and before `command`; a failure puts the old file back. */
  readonly check?: Action;
  readonly command?: Action;
  /** This template's own quiescence, instead of the runner's `wait`. */
  readonly wait?: WaitSettings;
  /** How its file is written: mode, owner, backup, missing directory. */
  readonly output?: OutputSettings;
  /** Takes the upstreams the render declared with `livePeers` (drcon lb -upstreams live). */
  readonly live?: LiveUpstreamSink;
}

export type { LiveUpstream };

/**
 * `sent`: the running Nginx has the lists; `written`: only to the file Nginx loads them from when
 * it starts (it does not run yet); `unchanged`; `failed`: Nginx could not be reached or refused them.
 */
export type LivePublishResult = 'sent' | 'written' | 'unchanged' | 'failed';

export interface LiveUpstreamSink {
  /**
   * Called after each complete render, before its file is written: a reload for a new structure
   * must find the lists of its upstreams. `structureChanged`: the file is about to change.
   */
  publish(upstreams: readonly LiveUpstream[], structureChanged: boolean): Promise<LivePublishResult>;
}

export interface RunnerOptions {
  jobs: RunnerJob[];
  watcher: Watcher;
  logger: Logger;
  minIntervalMs: number;
  /** Quiescence of the jobs without a `wait` of their own. */
  wait?: WaitSettings;
  /** Print rendered output instead of writing files; run nothing. */
  dry?: boolean;
  /** Runs once after every pass that changed a file, after the templates' commands (exec mode's reload). */
  afterChange?: Action;
  /** Root context handed to every template (the lb's settings). */
  context?: object;
  writeStdout?: (text: string) => void;
  events?: RunnerEvents;
}

/** Hooks for health and metrics; the runner itself only logs. */
export interface RunnerEvents {
  rendered?(job: RunnerJob, changed: boolean): void;
  renderFailed?(job: RunnerJob, error: Error): void;
  actionDone?(action: Action, ok: boolean, durationMs: number): void;
  /**
   * After each render that got as far as the data: the ids of the dependencies the job needs, of
   * those without data yet, and the KV keys it waits to exist.
   */
  needs?(job: RunnerJob, need: { dependencies: string[]; missing: string[]; waitingForKeys: string[] }): void;
  /** A check or command failed; `message` says how, as the log line does. */
  actionFailed?(action: Action, message: string): void;
  /** The live upstreams of a render went to Nginx (or did not need to, or failed to). */
  livePublished?(job: RunnerJob, result: LivePublishResult): void;
}

export interface RunOutcome {
  /** Every job has rendered completely at least once. */
  allRendered: boolean;
  /** Something failed in this run (render, write, check or command). */
  failed: boolean;
}

export class Runner {
  readonly #options: RunnerOptions;
  readonly #scheduler: RenderScheduler;
  /** Jobs to render on the next run: those whose dependencies changed since their last render. */
  readonly #dirty = new Set<RunnerJob>();
  /** The quiet window of each job that has one, and the changed jobs it holds back until quiet. */
  readonly #windows = new Map<RunnerJob, QuietWindow>();
  readonly #held = new Map<QuietWindow, Set<RunnerJob>>();
  /** Dependency ids each job used or waited for in its last render. */
  readonly #uses = new Map<RunnerJob, Set<string>>();
  readonly #rendered = new Set<RunnerJob>();
  /** Jobs whose last render failed with all its data there: only a change can help them. */
  readonly #failedForGood = new Set<RunnerJob>();
  readonly #lastDryOutput = new Map<RunnerJob, string>();
  readonly #warnedKeys = new Map<RunnerJob, Set<string>>();
  /** Jobs whose destination was cleared of temp files an earlier, killed drcon left. */
  readonly #tidied = new Set<RunnerJob>();
  readonly #unsubscribe: () => void;
  /** Whether anything failed since start: what `-once` reports in its exit status. */
  #failedSinceStart = false;
  /** Set by stop(): checks and commands in progress are stopped, and no new one starts. */
  #stopping = false;
  #outcomeListeners: ((outcome: RunOutcome) => void)[] = [];
  /** Checks and commands run in the current pass, prepared for their next run when it is over. */
  readonly #ranThisPass = new Set<Action>();

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#scheduler = new RenderScheduler({ minIntervalMs: options.minIntervalMs }, () => this.#run());
    // The jobs that follow the global wait share one window: a burst renders all of them at once.
    const shared = options.wait && this.#newWindow(options.wait);
    for (const job of options.jobs) {
      const window = job.wait ? this.#newWindow(job.wait) : shared;
      if (window) this.#windows.set(job, window);
    }
    this.#unsubscribe = options.watcher.onChange((dependency) => {
      this.#markChanged(options.jobs.filter((job) => this.#uses.get(job)?.has(dependency.id)));
    });
  }

  #newWindow(wait: WaitSettings): QuietWindow {
    const window = new QuietWindow(wait, () => {
      const held = this.#held.get(window)!;
      for (const job of held) this.#dirty.add(job);
      held.clear();
      this.#scheduler.trigger();
    });
    this.#held.set(window, new Set());
    return window;
  }

  /** These jobs need rendering: now, or once their quiet window is quiet. */
  #markChanged(jobs: Iterable<RunnerJob>): void {
    let due = false;
    const windows = new Set<QuietWindow>();
    for (const job of jobs) {
      const window = this.#windows.get(job);
      if (window === undefined) {
        this.#dirty.add(job);
        due = true;
      } else {
        this.#held.get(window)!.add(job);
        windows.add(window);
      }
    }
    for (const window of windows) window.trigger();
    if (due) this.#scheduler.trigger();
  }

  /**
   * Renders everything once now, past any quiet window: the first pass, with no data yet, only
   * finds the queries each template needs (as consul-template starts them at once); `wait` holds
   * back the renders their answers cause. Later changes render by themselves.
   */
  start(): void {
    for (const job of this.#options.jobs) this.#dirty.add(job);
    this.#scheduler.trigger();
  }

  /** Marks every job for re-rendering (SIGHUP, an edited template). */
  invalidate(jobs: Iterable<RunnerJob> = this.#options.jobs): void {
    this.#markChanged(jobs);
  }

  /**
   * Resolves after the next run in which every job has rendered (or failed with all the data it
   * asked for, so that waiting would not help) and nothing is pending; `failed` then says whether
   * anything failed since start.
   */
  settled(): Promise<RunOutcome> {
    return new Promise((resolve) => this.#outcomeListeners.push(resolve));
  }

  async stop(): Promise<void> {
    this.#unsubscribe();
    this.#stopping = true;
    for (const window of this.#held.keys()) window.stop();
    this.#scheduler.stop();
    // A reload that hangs (up to its timeout) must not hold up drcon's exit.
    for (const job of this.#options.jobs) {
      job.check?.cancel?.();
      job.command?.cancel?.();
    }
    await this.#scheduler.whenIdle();
    for (const job of this.#options.jobs) this.#options.watcher.release(job.name);
  }

  /** One pass over the dirty jobs; resolves to whether a command ran (which paces the next pass). */
  async #run(): Promise<boolean> {
    const { jobs, logger } = this.#options;
    const due = jobs.filter((job) => this.#dirty.has(job));
    this.#dirty.clear();
    let failed = false;
    const actions = new Map<string, Action>();
    let changed = false;
    for (const job of due) {
      const result = await this.#renderJob(job);
      if (result === 'failed') failed = true;
      if (result !== 'changed') continue;
      changed = true;
      if (job.command) actions.set(job.command.name, job.command);
    }
    const { afterChange } = this.#options;
    if (changed && afterChange) actions.set(afterChange.name, afterChange); // last: after the commands
    for (const action of actions.values()) {
      if (!(await this.#runAction(action, 'command'))) failed = true;
    }
    const outcome: RunOutcome = { allRendered: jobs.every((job) => this.#rendered.has(job)), failed };
    this.#failedSinceStart ||= failed;
    const settled = jobs.every((job) => this.#rendered.has(job) || this.#failedForGood.has(job));
    if (settled && this.#dirty.size === 0) {
      const listeners = this.#outcomeListeners;
      this.#outcomeListeners = [];
      for (const listener of listeners) listener({ ...outcome, failed: this.#failedSinceStart });
    }
    if (!this.#stopping) for (const action of this.#ranThisPass) action.prepare?.();
    this.#ranThisPass.clear();
    logger.trace('run done', { rendered: due.length, commands: actions.size });
    return actions.size > 0;
  }

  async #renderJob(job: RunnerJob): Promise<'unchanged' | 'changed' | 'incomplete' | 'failed'> {
    const { watcher, logger, context, events } = this.#options;
    const log = logger.child({ template: job.name });
    let result;
    try {
      result = job.template.render(watcher, context);
    } catch (error) {
      if (error instanceof RenderError) {
        // Watch what it asked for, so that a change of that data renders it again.
        this.#retain(job, [...error.used, ...error.missing]);
        if (error.missing.length > 0) {
          // Missing data reads as empty, which may be what failed: wait for it before judging.
          log.debug('render failed while data is missing; waiting for it', { error: error.message });
          return 'incomplete';
        }
      }
      log.error(`render failed: ${(error as Error).message}`);
      events?.renderFailed?.(job, error as Error);
      this.#failedForGood.add(job);
      return 'failed';
    }
    this.#failedForGood.delete(job);
    const needed = [...result.used, ...result.missing];
    this.#retain(job, needed);
    events?.needs?.(job, {
      dependencies: needed.map((dependency) => dependency.id),
      missing: result.missing.map((dependency) => dependency.id),
      waitingForKeys: result.waitingForKeys,
    });
    this.#warnWaitingKeys(job, result.waitingForKeys, log);
    if (!result.complete) {
      log.debug('waiting for data', { missing: result.missing.map((dependency) => dependency.id) });
      return 'incomplete';
    }
    // Only a complete render's notes are logged: one with data missing read it as empty.
    for (const note of result.messages) log[note.level](note.message);
    this.#rendered.add(job);
    try {
      const changed = this.#options.dry ? this.#printDry(job, result.output) : await this.#write(job, result, log);
      events?.rendered?.(job, changed === true);
      if (changed === 'failed') return 'failed';
      return changed ? 'changed' : 'unchanged';
    } catch (error) {
      log.error((error as Error).message);
      events?.renderFailed?.(job, error as Error);
      return 'failed';
    }
  }

  #retain(job: RunnerJob, dependencies: Dependency[]): void {
    this.#uses.set(job, new Set(dependencies.map((dependency) => dependency.id)));
    this.#options.watcher.retain(job.name, dependencies);
  }

  #printDry(job: RunnerJob, output: string): boolean {
    if (this.#lastDryOutput.get(job) === output) return false;
    this.#lastDryOutput.set(job, output);
    const write = this.#options.writeStdout ?? ((text: string) => process.stdout.write(text));
    write(`> ${job.destination}\n${output}${output.endsWith('\n') ? '' : '\n'}`);
    return false; // dry runs never trigger commands
  }

  async #write(job: RunnerJob, { output, liveUpstreams }: RenderResult, log: Logger): Promise<boolean | 'failed'> {
    if (!this.#tidied.has(job)) {
      this.#tidied.add(job);
      const stale = removeStaleTempFiles(job.destination);
      if (stale.length > 0) log.warn('removed temp files left by an interrupted write', { files: stale.join(' ') });
    }
    const previous = readFileIfExists(job.destination);
    const next = Buffer.from(output);
    const unchanged = previous?.equals(next) === true;
    if (job.live) {
      const published = await job.live.publish(liveUpstreams, !unchanged);
      this.#options.events?.livePublished?.(job, published);
    }
    if (unchanged) return false;
    const { backup, ...options } = job.output ?? {};
    if (backup && previous) writeFileAtomic(`${job.destination}.bak`, previous, options);
    writeFileAtomic(job.destination, next, options);
    log.info('rendered', { destination: job.destination, bytes: next.length });
    if (job.check && !(await this.#runAction(job.check, 'check'))) {
      // Never leave a file that failed its check: the last good one goes back.
      if (previous) writeFileAtomic(job.destination, previous, options);
      else await rm(job.destination, { force: true });
      log.error('check failed; previous file restored, command not run', { destination: job.destination });
      return 'failed';
    }
    return true;
  }

  async #runAction(action: Action, kind: 'check' | 'command'): Promise<boolean> {
    const log = this.#options.logger.child({ [kind]: action.name });
    // While stopping, an unchecked file counts as a failed check (the previous one goes back).
    if (this.#stopping) {
      log.warn(`${kind} not run: drcon is stopping`);
      return false;
    }
    const result = await action.run();
    this.#ranThisPass.add(action);
    this.#options.events?.actionDone?.(action, result.ok, result.durationMs);
    if (this.#stopping && !result.ok) {
      log.warn(`${kind} stopped: drcon is stopping`);
      return false;
    }
    if (result.ok) {
      log.debug(`${kind} ok`, { ms: Math.round(result.durationMs) });
      return true;
    }
    const why = result.timedOut ? `timed out after ${Math.round(result.durationMs)} ms` : `exited with ${result.exitCode ?? result.signal}`;
    const detail = lastLine(result.output);
    const message = `${kind} failed: ${why}${detail ? `: ${detail}` : ''}`;
    log.error(message);
    this.#options.events?.actionFailed?.(action, message);
    return false;
  }

  #warnWaitingKeys(job: RunnerJob, keys: string[], log: Logger): void {
    const warned = this.#warnedKeys.get(job) ?? new Set<string>();
    this.#warnedKeys.set(job, warned);
    for (const key of keys) {
      if (warned.has(key)) continue;
      warned.add(key);
      log.warn('waiting for key to exist', { key });
    }
  }
}

function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  return (lines.find((line) => /\[emerg\]|error/i.test(line)) ?? lines.at(-1) ?? '').trim();
}
