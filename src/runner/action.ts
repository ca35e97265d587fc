// What a template triggers after its file changed (and what checks it first): a shell command,
// or an in-process action such as signalling a supervised child. Actions with the same name are
// the same action, so the runner can run it once for several templates.

import type { Logger } from '../log/logger.ts';
import { runCommand, type CommandResult } from './command.ts';
import type { ChildSupervisor } from '../child/supervisor.ts';

export interface Action {
  readonly name: string;
  run(): Promise<CommandResult>;
  /** Stops the runs in progress now (drcon is stopping); they resolve as failed. */
  cancel?(): void;
}

export function shellAction(command: string, timeoutMs: number, logger: Logger): Action {
  const running = new Set<AbortController>();
  return {
    name: command,
    async run() {
      const controller = new AbortController();
      running.add(controller);
      try {
        return await runCommand(command, { timeoutMs, logger, signal: controller.signal });
      } finally {
        running.delete(controller);
      }
    },
    cancel() {
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
