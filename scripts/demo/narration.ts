// What the demo prints as it goes, shared by its walkthroughs: the lines, the narrated requests,
// and the wait for a change to reach Nginx. Once the demo stops, an interrupted walkthrough starts
// (and prints) nothing more.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nginxSettled, workerPids } from '../../harness/nginx.ts';
import { waitFor } from '../../harness/wait.ts';
import { httpGet } from './http-get.ts';

/** Generous: a change normally reaches Nginx well within a second. */
export const changeTimeoutMs = 20_000;

export const say = (line = '') => void process.stdout.write(line + '\n');

let stopping = false;

/** From now on, a walkthrough still going starts nothing more. */
export function stopNarration(): void {
  stopping = true;
}

export function unlessStopping(): void {
  if (stopping) throw new Error('stopping');
}

/** The start of a part of the walkthrough, unless the demo is stopping. */
export function heading(text: string): void {
  unlessStopping();
  say(text);
}

/** Waits until `changed`; resolves to how long that took, for the narration. */
export async function waitForChange(lbUrl: string, what: string, changed: () => Promise<boolean>, nginxDir: string, workersBefore: readonly number[]): Promise<string> {
  const started = performance.now();
  await waitFor(`${what} at ${lbUrl}`, changed, { timeoutMs: changeTimeoutMs });
  await reloadSettled(nginxDir, workersBefore);
  return `${((performance.now() - started) / 1000).toFixed(2)} s after the change`;
}

/** The workers Nginx runs now: taken before a change, they are the ones its reload retires. */
export async function nginxWorkers(nginxDir: string): Promise<number[]> {
  return workerPids(await nginxMaster(nginxDir));
}

/**
 * Until the workers of the previous configuration have exited, a new connection may still reach
 * one of them (Nginx's graceful reload): the requests shown next wait for that. For about 100 ms
 * of a reload the old workers are not yet told to stop and look like the new ones, so the wait
 * is for those that ran before the change (`nginxWorkers`) to be gone.
 */
export async function reloadSettled(nginxDir: string, workersBefore: readonly number[]): Promise<void> {
  await nginxSettled(await nginxMaster(nginxDir), workersBefore);
}

async function nginxMaster(nginxDir: string): Promise<number> {
  return Number(await readFile(join(nginxDir, 'nginx.pid'), 'utf8'));
}

/**
 * `count` requests, each printed as the curl command and the answer's status and body; more (up
 * to `count` again) until each of `expected` has answered. Each Nginx worker balances on its own,
 * starting with the same instance, so a few requests landing on fresh workers can all go there.
 */
export async function showRequests(lbUrl: string, count: number, expected: string[] = []): Promise<void> {
  const missing = new Set(expected);
  for (let i = 0; i < count || (missing.size > 0 && i < 2 * count); i++) {
    const { status, body } = await httpGet(lbUrl);
    missing.delete(body);
    say(`  curl ${lbUrl}  ->  ${status} ${body}`);
  }
}
