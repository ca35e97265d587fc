// `-pid-file`: drcon's process id, written (atomically) at start and removed when drcon stops,
// unless another process has written its own there meanwhile.
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../output/atomic-write.ts';

export class PidFile {
  readonly #path: string;

  private constructor(path: string) {
    this.#path = path;
  }

  static write(path: string): PidFile {
    writeFileAtomic(path, `${process.pid}\n`);
    return new PidFile(path);
  }

  remove(): void {
    try {
      if (readFileSync(this.#path, 'utf8').trim() === String(process.pid)) rmSync(this.#path, { force: true });
    } catch {
      // removed already: nothing left to do
    }
  }
}
