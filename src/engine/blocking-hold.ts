// -once renders the first complete data and exits: a blocking query sent meanwhile is never
// needed, and Consul (1.8 at least) keeps each one's connection open until its wait runs out,
// counted against the agent's limit of connections per client address (200 by default). Without
// this hold a `-once` over 100 services left 100 such connections for a minute behind it, and a
// second run within that minute had its queries reset. So a -once run sends a blocking query only
// once a render has shown that it waits for data only a blocking query can bring (a KV key that
// does not exist yet); from then on, as a watching run does.

export class BlockingHold {
  #open = false;
  #waiters: (() => void)[] = [];

  /** Lets every held blocking query go, and the later ones at once. */
  open(): void {
    if (this.#open) return;
    this.#open = true;
    for (const release of this.#waiters.splice(0)) release();
  }

  /** Resolves once the hold is open, or when `signal` aborts (the caller then stops). */
  wait(signal: AbortSignal): Promise<void> {
    if (this.#open || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const release = () => {
        signal.removeEventListener('abort', release);
        resolve();
      };
      this.#waiters.push(release);
      signal.addEventListener('abort', release, { once: true });
    });
  }
}
