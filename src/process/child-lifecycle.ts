// How drcon lives with a supervised child (Nginx in `lb`, the program of `render -exec`): stop
// signals go to the child, drcon stops when the child exits and takes over its exit status. A
// stop signal that comes before the child runs stops drcon at once.
import { constants } from 'node:os';
import type { Logger } from '../log/logger.ts';
import type { ChildStartOptions, ChildSupervisor } from './supervisor.ts';
import { childStopSignals, onSignals } from './signals.ts';

/** After a stop signal, how long the child may take before it is killed: drcon must stop. */
const stopGraceMs = 5_000;

export class ChildLifecycle {
  /** Resolves to drcon's exit status: the child's, or 0 when stopped before it ran. */
  readonly stopped: Promise<number>;
  readonly #supervisor: ChildSupervisor;
  readonly #logger: Logger;
  #stop: (status: number) => void = () => {};
  #killTimer: NodeJS.Timeout | undefined;
  readonly #removeSignalHandlers: () => void;
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.#logger.info('stopping', { signal });
    if (!this.#supervisor.signalAll(signal)) return this.#stop(0);
    // A child that ignores the signal would keep drcon running for ever.
    this.#killTimer ??= setTimeout(() => {
      this.#logger.warn('child did not stop; killing it', { pid: this.#supervisor.pid, afterMs: stopGraceMs });
      this.#supervisor.signalAll('SIGKILL');
    }, stopGraceMs);
  };

  constructor(supervisor: ChildSupervisor, logger: Logger) {
    this.#supervisor = supervisor;
    this.#logger = logger;
    this.stopped = new Promise((resolve) => (this.#stop = resolve));
    this.#removeSignalHandlers = onSignals(childStopSignals, this.#onSignal);
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
