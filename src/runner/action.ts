// What a template triggers after its file changed (and what checks it first): a shell command,
// or an in-process action such as signalling a supervised child. Actions with the same name are
// the same action, so the runner can run it once for several templates.

import type { Logger } from '../log/logger.ts';
import { startShell, superviseShell, type CommandResult } from '../process/command.ts';
import { HeldShell } from '../process/held-shell.ts';
import type { ChildSupervisor } from '../process/supervisor.ts';

export interface Action {
  readonly name: string;
  run(): Promise<CommandResult>;
  /** Stops the runs in progress now (drcon is stopping); they resolve as failed. */
  cancel?(): void;
  /**
   * Gets the next run ready (a held process). Called once a pass of the runner is over, so that
   * the cost of starting a process is never between a change and its check or command.
   */
  prepare?(): void;
}

export interface ShellActionOptions {
  /**
   * When prepared, start the next run's shell and hold it (held-shell.ts), so the next change
   * runs the command sooner. For long-running drcon; a one-shot run would only waste it.
   */
  holdNext?: boolean;
}

export function shellAction(command: string, timeoutMs: number, logger: Logger, { holdNext = false }: ShellActionOptions = {}): Action {
  const running = new Set<AbortController>();
  let held: HeldShell | undefined;
  let cancelled = false;
  return {
    name: command,
    async run() {
      const controller = new AbortController();
      running.add(controller);
      const options = { timeoutMs, logger, signal: controller.signal };
      const subprocess = held?.release() ?? startShell(command, {});
      held = undefined;
      try {
        return await superviseShell(subprocess, command, options);
      } finally {
        running.delete(controller);
      }
    },
    prepare() {
      if (holdNext && !cancelled && held === undefined) held = new HeldShell(command);
    },
    cancel() {
      cancelled = true;
      void held?.discard();
      held = undefined;
      for (const controller of running) controller.abort();
    },
  };
}

/** Sends `signal` to a supervised child; before the child runs there is nothing to tell. */
export function signalAction(child: ChildSupervisor, signal: NodeJS.Signals, name = `${signal} to child`): Action {
  return {
    name,
    async run() {
      const ok = !child.running || child.signal(signal);
      return { ok, timedOut: false, durationMs: 0, output: ok ? '' : 'the child is not running' };
    },
  };
}
