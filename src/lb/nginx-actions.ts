// Nginx as the runner sees it: a check (`nginx -t` of the whole config) that runs after a new
// app.conf is in place, and a reload (SIGHUP to the running master) that runs after it passed.
import type { Action } from '../runner/action.ts';
import type { ChildSupervisor } from '../child/supervisor.ts';
import type { NginxLayout } from './layout.ts';
import { checkNginxConfig } from './nginx-check.ts';

export function nginxCheckAction(layout: NginxLayout): Action {
  return {
    name: 'nginx -t',
    async run() {
      const started = performance.now();
      const verdict = await checkNginxConfig(layout);
      const durationMs = performance.now() - started;
      return verdict.ok
        ? { ok: true, timedOut: false, durationMs, output: '' }
        : { ok: false, timedOut: false, durationMs, output: verdict.error, exitCode: 1 };
    },
  };
}

/** SIGHUP to Nginx; before Nginx runs there is nothing to reload, and it will read the new file. */
export function nginxReloadAction(nginx: ChildSupervisor): Action {
  return {
    name: 'nginx reload',
    async run() {
      const ok = !nginx.running || nginx.signal('SIGHUP');
      return { ok, timedOut: false, durationMs: 0, output: ok ? '' : 'nginx is not running' };
    },
  };
}
