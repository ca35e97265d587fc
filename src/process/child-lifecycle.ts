// How drcon lives with a supervised child (Nginx in `lb`, the program of `render -exec`): stop
// signals go to the child, drcon stops when the child exits and takes over its exit status. A
// stop signal that comes before the child runs stops drcon at once.
import { constants } from 'node:os';
import type { Logger } from '../log/logger.ts';
import type { ChildStartOptions, ChildSupervisor } from './supervisor.ts';
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

export class ChildLifecycle {
  /** Resolves to drcon's exit status: the child's, or 0 when stopped before it ran. */
  readonly stopped: Promise<number>;
  readonly #supervisor: ChildSupervisor;
  readonly #logger: Logger;
  readonly #policy: StopPolicy;
  readonly #removeSignalHandlers: () => void;
  #stop: (status: number) => void = () => {};
  #killTimer: NodeJS.Timeout | undefined;
  readonly #onSignal = (received: NodeJS.Signals): void => {
    const signal = this.#policy.signalFor?.(received) ?? received;
    this.#logger.info('stopping', { signal: received, ...(signal === received ? {} : { child: signal }) });
    if (!this.#supervisor.signalAll(signal)) return this.#stop(0);
    // A child that ignores the signal would keep drcon running for ever.
    this.#killTimer ??= this.#escalate(this.#policy.then ?? 'SIGKILL', this.#policy.timeoutMs ?? killGraceMs);
  };

  constructor(supervisor: ChildSupervisor, logger: Logger, policy: StopPolicy = {}) {
    this.#supervisor = supervisor;
    this.#logger = logger;
    this.#policy = policy;
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
    try {
      await this.#supervisor.start(command, options);
    } catch (error) {
      this.#logger.error((error as Error).message);
      return this.#stop(1);
    }
    this.#logger.info('child started', { pid: this.#supervisor.pid, command: typeof command === 'string' ? command : command[0] });
    void this.#supervisor.exited.then(({ code, signal }) => {
      clearTimeout(this.#killTimer);
      this.#logger.info('child exited', { code, signal });
      this.#stop(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  }

  /** Removes the signal handlers and stops the child if it still runs. */
  async dispose(timeoutMs = 5_000): Promise<void> {
    this.#removeSignalHandlers();
    clearTimeout(this.#killTimer);
    await this.#supervisor.stop(timeoutMs);
  }
}
