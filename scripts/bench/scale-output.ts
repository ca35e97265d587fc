// The file drcon renders, watched through its directory (drcon replaces it with a rename, which
// inotify reports at once). Every version seen is read and handed to the checks the bench set up,
// so a version that is not complete would be caught, and a wait ends at the first version that
// shows what the bench is waiting for.
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export class RenderedFile {
  readonly #path: string;
  readonly #watcher: FSWatcher;
  readonly #poll: NodeJS.Timeout;
  readonly #isComplete: (text: string) => boolean;
  #waiters: { wanted: (text: string) => boolean; resolve: (at: number) => void }[] = [];
  #lastText: string | undefined;
  /** Versions read that were not complete (drcon must never write one). */
  incomplete = 0;
  versions = 0;

  constructor(path: string, isComplete: (text: string) => boolean) {
    this.#path = path;
    this.#isComplete = isComplete;
    const name = basename(path);
    this.#watcher = watch(dirname(path), (_event, file) => {
      if (file === name) this.#read(performance.now());
    });
    // inotify is the clock; the poll only guards against a lost event.
    this.#poll = setInterval(() => this.#read(performance.now()), 250);
  }

  /** Resolves with the time of the first version (from now on) for which `wanted` holds. */
  next(wanted: (text: string) => boolean, timeoutMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter.wanted !== wanted);
        resolve(undefined);
      }, timeoutMs);
      this.#waiters.push({
        wanted,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      });
      this.#read(performance.now());
    });
  }

  close(): void {
    this.#watcher.close();
    clearInterval(this.#poll);
  }

  #read(at: number): void {
    if (!existsSync(this.#path)) return;
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch {
      return; // replaced between the check and the read: the next event reads it
    }
    if (text !== this.#lastText) {
      this.#lastText = text;
      this.versions += 1;
      if (!this.#isComplete(text)) this.incomplete += 1;
    }
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.wanted(text)) waiter.resolve(at);
      else this.#waiters.push(waiter);
    }
  }
}

/** How many times `needle` occurs in `text`. */
export function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count += 1;
  return count;
}
