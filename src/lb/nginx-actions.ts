// Nginx as the runner sees it: a check (`nginx -t` of the whole config) that runs after a new
// app.conf is in place, and a reload (SIGHUP to the running master) that runs after it passed.
import { shellAction, signalAction, type Action } from '../runner/action.ts';
import type { ChildSupervisor } from '../process/supervisor.ts';
import { shellCommandLine } from '../process/shell-words.ts';
import type { Logger } from '../log/logger.ts';
import { nginxArgs, type NginxLayout } from './layout.ts';
import { firstNginxError } from './nginx-check.ts';

/**
 * `nginx -t` as a held shell command (held-shell.ts), as `render` runs its commands: the check is
 * on the way from a change to the reload, and starting a process from drcon costs far more than
 * releasing one. Nginx reads the config only once released. Its stdout is /dev/null, which
 * `access_log /dev/stdout` can open (the pipe drcon would give it cannot be).
 */
export function nginxCheckAction(layout: NginxLayout, logger: Logger, timeoutMs: number): Action {
  const command = `exec ${shellCommandLine([layout.nginx, '-t', '-q', ...nginxArgs(layout)])} >/dev/null`;
  const shell = shellAction(command, timeoutMs, logger, { holdNext: true });
  let cancelled = false;
  return {
    name: 'nginx -t',
    async run() {
      let result = await shell.run();
      // nginx -t changes nothing, so one killed by someone else (the held shell, maybe just as it
      // was released) is run again: that kill says nothing of the config.
      if (result.signal !== undefined && !result.timedOut && !cancelled) result = await shell.run();
      return result.ok ? result : { ...result, output: firstNginxError(result.output) ?? result.output };
    },
    cancel() {
      cancelled = true;
      shell.cancel?.();
    },
    prepare: () => shell.prepare?.(),
  };
}

/** SIGHUP to Nginx: a graceful reload; before Nginx runs it reads the new file when it starts. */
export function nginxReloadAction(nginx: ChildSupervisor): Action {
  return signalAction(nginx, 'SIGHUP', 'nginx reload');
}
