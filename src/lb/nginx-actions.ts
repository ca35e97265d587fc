// Nginx as the runner sees it: a check (`nginx -t` of the whole config) that runs after a new
// app.conf is in place, and a reload (SIGHUP to the running master) that runs after it passed.
import { signalAction, type Action } from '../runner/action.ts';
import type { ChildSupervisor } from '../child/supervisor.ts';
import type { NginxLayout } from './layout.ts';
import { NginxConfigCheck } from './nginx-check.ts';

export function nginxCheckAction(layout: NginxLayout): Action {
  const check = new NginxConfigCheck(layout);
  return {
    name: 'nginx -t',
    async run() {
      const started = performance.now();
      const verdict = await check.run();
      const durationMs = performance.now() - started;
      return verdict.ok
        ? { ok: true, timedOut: false, durationMs, output: '' }
        : { ok: false, timedOut: false, durationMs, output: verdict.error, exitCode: 1 };
    },
    cancel: () => check.close(),
    prepare: () => check.prepare(),
  };
}

/** SIGHUP to Nginx: a graceful reload; before Nginx runs it reads the new file when it starts. */
export function nginxReloadAction(nginx: ChildSupervisor): Action {
  return signalAction(nginx, 'SIGHUP', 'nginx reload');
}
