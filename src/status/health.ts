// What GET /health answers: healthy when every template has all its data, Consul answers, and the
// latest render, check and command of every template succeeded. Fed by events; reads no clock
// except the one it is given.

export interface HealthReport {
  healthy: boolean;
  /** One line per condition that is not met; empty when healthy. */
  problems: string[];
  checks: {
    /** Every template has rendered completely and none waits for data (or for a key to exist). */
    dataComplete: boolean;
    /** No Consul request has failed since the last one that succeeded. */
    consulReachable: boolean;
    /** The latest render, check and command of every template succeeded (none is pending), and no watch is failing. */
    lastRunSucceeded: boolean;
  };
  consul: { reachable: boolean | null; failingSince: string | null; lastFailure: string | null };
  watches: number;
  templates: TemplateHealth[];
}

export interface TemplateHealth {
  name: string;
  /** Last complete render (written, or unchanged), ISO time. */
  lastRenderAt: string | null;
  /** The most recent failure of any stage, even if it has recovered since. */
  lastError: { message: string; at: string } | null;
  /** Ids of the dependencies its last render needed. */
  dependencies: string[];
  /** Dependencies without data yet, and KV keys it waits to exist. */
  waitingFor: string[];
}

/** The stages of one template's run; each remembers whether its latest outcome was a failure. */
type Stage = 'render' | 'check' | 'command';

interface TemplateState {
  rendered: boolean;
  lastRenderAt?: number;
  dependencies: string[];
  waitingFor: string[];
  failing: Map<Stage, string>;
  /** Its file changed and its command has not finished since. */
  commandPending: boolean;
  lastError?: { message: string; at: number };
}

export interface HealthTrackerOptions {
  templates: readonly string[];
  /** How many dependencies are watched now. */
  watches: () => number;
  now?: () => number;
}

export class HealthTracker {
  readonly #templates = new Map<string, TemplateState>();
  readonly #watches: () => number;
  readonly #now: () => number;
  /** Unknown (null) until the first request finishes. */
  #consulReachable: boolean | null = null;
  #consulFailingSince: number | undefined;
  #consulLastFailure: string | undefined;
  /** Watches whose latest round failed, by dependency id. */
  readonly #failingWatches = new Map<string, string>();

  constructor(options: HealthTrackerOptions) {
    for (const name of options.templates) this.#templates.set(name, newState());
    this.#watches = options.watches;
    this.#now = options.now ?? Date.now;
  }

  /** After a render reached the data: what the template needs and what it still waits for. */
  needs(template: string, dependencies: string[], waitingFor: string[]): void {
    const state = this.#state(template);
    state.dependencies = dependencies;
    state.waitingFor = waitingFor;
  }

  rendered(template: string): void {
    const state = this.#state(template);
    state.rendered = true;
    state.lastRenderAt = this.#now();
    state.failing.delete('render');
  }

  /** A render that failed: the template itself, or writing its file. */
  renderFailed(template: string, message: string): void {
    this.#fail(template, 'render', message);
  }

  checkPassed(template: string): void {
    this.#state(template).failing.delete('check');
  }

  checkFailed(template: string, message: string): void {
    this.#fail(template, 'check', message);
  }

  /** The file changed: until its command has run, the run is not over. */
  commandPending(template: string): void {
    this.#state(template).commandPending = true;
  }

  commandDone(template: string, failure?: string): void {
    this.#state(template).commandPending = false;
    if (failure === undefined) this.#state(template).failing.delete('command');
    else this.#fail(template, 'command', failure);
  }

  /** Every finished Consul request: 'error' (no answer) and 5xx count as Consul being unavailable. */
  consulRequest(endpoint: string, status: number | 'error'): void {
    if (status !== 'error' && status < 500) {
      this.#consulReachable = true;
      this.#consulFailingSince = undefined;
      return;
    }
    if (this.#consulReachable !== false) this.#consulFailingSince = this.#now();
    this.#consulReachable = false;
    this.#consulLastFailure = status === 'error' ? `GET ${endpoint}: no answer` : `GET ${endpoint}: ${status}`;
  }

  watchFailed(dependency: string, message: string): void {
    this.#failingWatches.set(dependency, message);
  }

  watchRecovered(dependency: string): void {
    this.#failingWatches.delete(dependency);
  }

  report(): HealthReport {
    const problems: string[] = [];
    let dataComplete = true;
    let lastRunSucceeded = true;
    const needed = new Set<string>();
    for (const [name, state] of this.#templates) {
      for (const id of state.dependencies) needed.add(id);
      if (!state.rendered) {
        dataComplete = false;
        problems.push(`template ${name}: not rendered yet${state.waitingFor.length > 0 ? `, waiting for ${state.waitingFor.join(', ')}` : ''}`);
      } else if (state.waitingFor.length > 0) {
        dataComplete = false;
        problems.push(`template ${name}: waiting for ${state.waitingFor.join(', ')}`);
      }
      if (state.commandPending) {
        lastRunSucceeded = false;
        problems.push(`template ${name}: command pending`);
      }
      for (const [stage, message] of state.failing) {
        lastRunSucceeded = false;
        problems.push(`template ${name}: ${stage} failed: ${message}`);
      }
    }
    // A watch stopped while failing never recovers; only the ones a template still needs count.
    for (const [id, message] of this.#failingWatches) {
      if (!needed.has(id)) continue;
      lastRunSucceeded = false;
      problems.push(`watch ${id} failing: ${message}`);
    }
    const consulReachable = this.#consulReachable !== false;
    if (!consulReachable) problems.push(`consul unreachable since ${iso(this.#consulFailingSince)}: ${this.#consulLastFailure}`);
    return {
      healthy: problems.length === 0,
      problems,
      checks: { dataComplete, consulReachable, lastRunSucceeded },
      consul: {
        reachable: this.#consulReachable,
        failingSince: this.#consulFailingSince === undefined ? null : iso(this.#consulFailingSince),
        lastFailure: this.#consulLastFailure ?? null,
      },
      watches: this.#watches(),
      templates: [...this.#templates].map(([name, state]) => ({
        name,
        lastRenderAt: state.lastRenderAt === undefined ? null : iso(state.lastRenderAt),
        lastError: state.lastError === undefined ? null : { message: state.lastError.message, at: iso(state.lastError.at) },
        dependencies: state.dependencies,
        waitingFor: state.waitingFor,
      })),
    };
  }

  #fail(template: string, stage: Stage, message: string): void {
    const state = this.#state(template);
    state.failing.set(stage, message);
    state.lastError = { message: `${stage}: ${message}`, at: this.#now() };
  }

  #state(template: string): TemplateState {
    let state = this.#templates.get(template);
    if (state === undefined) {
      state = newState();
      this.#templates.set(template, state);
    }
    return state;
  }
}

function newState(): TemplateState {
  return { rendered: false, dependencies: [], waitingFor: [], failing: new Map(), commandPending: false };
}

function iso(ms: number | undefined): string {
  return new Date(ms ?? 0).toISOString();
}
