// The walkthrough's `while true; do curl $DOCKER_IP:80; sleep …; done`: one GET at a time, each on
// a fresh connection as curl makes it, counting every answer that is not 200 (a refused or reset
// connection included). Nothing is retried: a failure must show.
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet } from './http-get.ts';

export interface RequestLoopResult {
  sent: number;
  failed: number;
  /** The first few failures, as "status body" or the error. */
  examples: string[];
}

export interface RequestLoop {
  /** Stops sending, waits for the request in flight (once). */
  stop(): Promise<RequestLoopResult>;
}

/** One request, then a pause of about `pauseMs`, until stopped. */
export function startRequestLoop(url: string, pauseMs: number): RequestLoop {
  const result: RequestLoopResult = { sent: 0, failed: 0, examples: [] };
  let running = true;
  const fail = (why: string) => {
    result.failed++;
    if (result.examples.length < 5) result.examples.push(why);
  };
  const loop = (async () => {
    while (running) {
      result.sent++;
      try {
        const { status, body } = await httpGet(url);
        if (status !== 200) fail(`${status} ${body.slice(0, 80)}`);
      } catch (error) {
        fail((error as Error).message);
      }
      // Jittered: in step with the narrated requests, on an Nginx worker that alternates between
      // instances, the loop would take every other turn and the narration would see one instance.
      await sleep(pauseMs * (0.5 + Math.random()));
    }
  })();
  let stopped: Promise<RequestLoopResult> | undefined;
  return {
    stop() {
      stopped ??= (running = false, loop.then(() => result));
      return stopped;
    },
  };
}
