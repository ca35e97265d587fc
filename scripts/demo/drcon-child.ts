// A drcon command as the demo's child: its own process, as a user runs it, with its log lines
// going to a file so that they do not drown the narration.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { drconMain } from '../../harness/drcon.ts';

export interface DrconChild {
  /** Resolves when drcon exits, whoever stopped it, to a text like "code 0" or "signal SIGKILL". */
  readonly exited: Promise<string>;
  readonly running: boolean;
  /** stop() was called: an exit from then on is expected. */
  readonly stopRequested: boolean;
  /** SIGTERM; SIGKILL after `graceMs`. Resolves to how it ended. */
  stop(graceMs?: number): Promise<string>;
}

/** `afterKill` runs when drcon could not stop what it started itself (it died, or was killed). */
export function startDrconChild(args: string[], logFile: string, afterKill: () => void = () => {}): DrconChild {
  const log = openSync(logFile, 'a');
  // Its own process group: a Ctrl-C on the terminal reaches only the demo, which stops drcon
  // after the walkthrough's last request rather than in the middle of one.
  const child = spawn(process.execPath, [drconMain, ...args], { detached: true, stdio: ['ignore', log, log], env: withoutDrconSettings(process.env) });
  closeSync(log);
  let running = true;
  let stopRequested = false;
  const exited = once(child, 'exit').then(([code, signal]) => {
    running = false;
    return code === null ? `signal ${String(signal)}` : `code ${String(code)}`;
  });
  // Should the demo exit without stopping it (a crash), drcon still stops what it started.
  const onExit = () => child.kill('SIGTERM');
  process.on('exit', onExit);
  void exited.then(() => process.off('exit', onExit));

  return {
    exited,
    get running() {
      return running;
    },
    get stopRequested() {
      return stopRequested;
    },
    async stop(graceMs = 10_000) {
      stopRequested = true;
      if (!running) {
        afterKill(); // drcon died without stopping what it started
        return exited;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        afterKill();
      }, graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
}

/**
 * The user's environment minus what drcon reads as settings: the demo's agent is local, plain
 * HTTP, without ACLs, and the demo uses the shipped template and its own Docker API socket.
 */
function withoutDrconSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const settings = new Set(['SERVICE', 'LISTEN', 'NGINX_DIR', 'TEMPLATE', 'STATUS_ADDR', 'DOCKER_HOST']);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('CONSUL') && !settings.has(name)));
}
