// What the demo has started, to stop in reverse order. Something started after the stop began
// (a step still in flight when Ctrl-C came) is stopped as soon as it is added.
export class Cleanups {
  #pending: { what: string; stop: () => Promise<unknown> }[] = [];
  #stopping = false;

  async add(what: string, stop: () => Promise<unknown>): Promise<void> {
    if (this.#stopping) await stopQuietly(what, stop);
    else this.#pending.push({ what, stop });
  }

  /**
   * Stops everything added so far, the latest first; a failure is reported and the rest still
   * stopped. Resolves to what it stopped, in that order.
   */
  async run(): Promise<string[]> {
    this.#stopping = true;
    const stopped: string[] = [];
    for (let item = this.#pending.pop(); item; item = this.#pending.pop()) {
      await stopQuietly(item.what, item.stop);
      stopped.push(item.what);
    }
    return stopped;
  }
}

async function stopQuietly(what: string, stop: () => Promise<unknown>): Promise<void> {
  try {
    await stop();
  } catch (error) {
    console.error(`demo: stopping ${what} failed: ${(error as Error).message}`);
  }
}
