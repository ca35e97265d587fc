// How drcon lives with a supervised child (Nginx in `lb`, the program of `render -exec`): stop
// signals go to the child, drcon stops when the child exits and takes over its exit status. A
// stop signal that comes before the child runs stops drcon at once. With a restart policy (lb),
// a child that exits without being asked to is started again, a bounded number of times in a row.
import { constants } from 'node:os';
import type { Logger } from '../log/logger.ts';
import type { ChildExit, ChildStartOptions, ChildSupervisor } from './supervisor.ts';
import { childStopSignals, onSignals } from './signals.ts';

/** After the last polite signal, how long the child may take before it is killed: drcon must stop. */
const killGraceMs = 5_000;

/** How a stop signal drcon receives is passed on to the child. */
export interface StopPolicy {
  /** The signal the child gets for a stop signal drcon got; default: the same one. */
  signalFor?: (received: NodeJS.Signals) => NodeJS.Signals;
  /** Signals that stop drcon besides SIGTERM, SIGINT and SIGQUIT (-kill-signal). */
  alsoOn?: readonly NodeJS.Signals[];
  /** How long the child may take to stop after that signal (default 5 s). */
  timeoutMs?: number;
  /**
   * Sent when the timeout passed (default SIGKILL). Any other signal gets another 5 s before
   * SIGKILL: Nginx's graceful stop (SIGQUIT) is followed by its fast one (SIGTERM).
   */
  then?: NodeJS.Signals;
}

/** How a child that exits unasked (a crash, kill -9) is started again. */
export interface RestartPolicy {
  /** Restarts in a row before drcon gives up and stops with the child's status (1 for 0). */
  limit: number;
  /** The wait before the first restart in a row; it doubles for each next one. */
  firstDelayMs: number;
  /** A child that ran this long since it was started has its restarts in a row counted anew. */
  stableMs: number;
  /** Runs before each restart, once the wait is over (to end what the dead child left behind). */
  prepare?: () => Promise<void>;
  /** Told of each restart, once the child runs again. */
  restarted?: () => void;
}

export class ChildLifecycle {
  /** Resolves to drcon's exit status: the child's, or 0 when stopped before it ran. */
  readonly stopped: Promise<number>;
  readonly #supervisor: ChildSupervisor;
  readonly #logger: Logger;
  readonly #policy: StopPolicy;
  readonly #removeSignalHandlers: () => void;
  readonly #restart: RestartPolicy | undefined;
  #stop: (status: number) => void = () => {};
  #killTimer: NodeJS.Timeout | undefined;
  /** A stop was asked for (a signal, dispose): an exit of the child now is no crash. */
  #stopping = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartsInARow = 0;
  readonly #onSignal = (received: NodeJS.Signals): void => {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const signal = this.#policy.signalFor?.(received) ?? received;
    this.#logger.info('stopping', { signal: received, ...(signal === received ? {} : { child: signal }) });
    if (!this.#supervisor.signalAll(signal)) return this.#stop(0);
    // A child that ignores the signal would keep drcon running for ever.
    this.#killTimer ??= this.#escalate(this.#policy.then ?? 'SIGKILL', this.#policy.timeoutMs ?? killGraceMs);
  };

  constructor(supervisor: ChildSupervisor, logger: Logger, policy: StopPolicy = {}, restart?: RestartPolicy) {
    this.#supervisor = supervisor;
    this.#logger = logger;
    this.#policy = policy;
    this.#restart = restart;
    this.stopped = new Promise((resolve) => (this.#stop = resolve));
    this.#removeSignalHandlers = onSignals([...new Set([...childStopSignals, ...(policy.alsoOn ?? [])])], this.#onSignal);
  }

  #escalate(signal: NodeJS.Signals, afterMs: number): NodeJS.Timeout {
    return setTimeout(() => {
      this.#logger.warn(`child did not stop; sending ${signal}`, { pid: this.#supervisor.pid, afterMs });
      this.#supervisor.signalAll(signal);
      if (signal !== 'SIGKILL') this.#killTimer = this.#escalate('SIGKILL', killGraceMs);
    }, afterMs);
  }

  /** Starts the child unless it runs already; a failure to start stops drcon with status 1. */
  async start(command: string[] | string, options: ChildStartOptions): Promise<void> {
    if (this.#supervisor.running) return;
    if (!(await this.#run(command, options))) return;
    this.#logger.info('child started', { pid: this.#supervisor.pid, command: typeof command === 'string' ? command : command[0] });
  }

  async #run(command: string[] | string, options: ChildStartOptions): Promise<boolean> {
    try {
      await this.#supervisor.start(command, options);
    } catch (error) {
      this.#logger.error((error as Error).message);
      this.#stop(1);
      return false;
    }
    const startedAt = Date.now();
    void this.#supervisor.exited.then((exit) => this.#exited(exit, Date.now() - startedAt, () => this.#run(command, options)));
    return true;
  }

  #exited({ code, signal }: ChildExit, ranMs: number, again: () => Promise<boolean>): void {
    clearTimeout(this.#killTimer);
    const status = code ?? 128 + (signal ? constants.signals[signal] : 0);
    const restart = this.#restart;
    if (restart === undefined || this.#stopping) {
      this.#logger.info('child exited', { code, signal });
      return this.#stop(status);
    }
    if (ranMs >= restart.stableMs) this.#restartsInARow = 0;
    if (this.#restartsInARow >= restart.limit) {
      this.#logger.error(`child exited unasked after ${restart.limit} restarts in a row; stopping`, { code, signal });
      return this.#stop(status === 0 ? 1 : status);
    }
    this.#restartsInARow += 1;
    const delayMs = restart.firstDelayMs * 2 ** (this.#restartsInARow - 1);
    this.#logger.warn('child exited unasked; restarting it', { code, signal, restart: `${this.#restartsInARow}/${restart.limit}`, delayMs });
    this.#restartTimer = setTimeout(() => {
      void (async () => {
        await restart.prepare?.().catch((error: Error) => this.#logger.warn(`before the restart: ${error.message}`));
        // A stop asked for meanwhile wins: the child is not started again.
        if (this.#stopping) return this.#stop(0);
        if (await again()) {
          this.#logger.debug('child restarted', { pid: this.#supervisor.pid });
          restart.restarted?.();
        }
      })();
    }, delayMs);
  }

  /** Removes the signal handlers and stops the child if it still runs. */
  async dispose(timeoutMs = 5_000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    this.#removeSignalHandlers();
    clearTimeout(this.#killTimer);
    await this.#supervisor.stop(timeoutMs);
  }
}
