// A client asking the balancer one request after another and keeping what each one answered,
// in order: for tests that must say which instance served the first requests after an event,
// not only how many failed (load-loop.ts counts those).
import { setTimeout as sleep } from 'node:timers/promises';
import type { LbUnderTest } from './lb-test-bed.ts';

export interface AnswerLog {
  /** Requests answered (or failed) so far. */
  readonly count: number;
  /** From now on, answers are kept: those to requests sent after this call. */
  mark(): void;
  /** The kept answers, "STATUS body", or "error CODE" for no answer. */
  readonly sinceMark: readonly string[];
  /** The kept answers of status 200, each once, and the 503s, all of them. */
  servedSinceMark(): { served: string[]; unavailable: string[] };
  /** Stops after the request in flight. */
  stop(): Promise<void>;
}

export function startAnswerLog(get: LbUnderTest['get']): AnswerLog {
  const kept: string[] = [];
  let count = 0;
  let marked = false;
  let running = true;
  const loop = (async () => {
    while (running) {
      const keep = marked; // a request sent before the mark may be answered after it
      const answer = await get().then(
        ({ status, body }) => `${status} ${body}`,
        (error: Error) => `error ${(error.cause as NodeJS.ErrnoException | undefined)?.code ?? error.message}`,
      );
      count += 1;
      if (keep) kept.push(answer);
      await sleep(2);
    }
  })();
  return {
    get count() {
      return count;
    },
    mark: () => (marked = true),
    sinceMark: kept,
    servedSinceMark: () => ({
      served: [...new Set(kept.filter((answer) => answer.startsWith('200 ')))],
      unavailable: kept.filter((answer) => answer.startsWith('503 ')),
    }),
    async stop() {
      running = false;
      await loop;
    },
  };
}
