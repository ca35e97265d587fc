// A command's shell started ahead of need and held at its first line until released. Starting a
// process from drcon is slow on small VMs: fork() copies the page tables of drcon's whole process
// (the README's Benchmarks section has the figures). Releasing a held shell is one pipe write, so
// after a change the command starts as soon as the shell can run it; the next shell is then
// started while idle.
import { startShell, type ShellProcess } from './command.ts';

export class HeldShell {
  readonly #subprocess: ShellProcess;

  constructor(command: string) {
    this.#subprocess = startShell(command, { held: true });
  }

  /**
   * Lets the shell run its command and hands it over, or returns undefined if the shell ended
   * while held (killed by someone, or a syntax error in the command's first line): the caller
   * then starts a fresh one, which reports such an error as usual.
   */
  release(): ShellProcess | undefined {
    const subprocess = this.#subprocess;
    const { exitCode, signalCode } = subprocess.nodeChildProcess;
    if (subprocess.pid === undefined || exitCode !== null || signalCode !== null) {
      void this.discard();
      return undefined;
    }
    subprocess.stdin?.end('\n');
    return subprocess;
  }

  /** Closes the shell's stdin: it exits without running the command. Resolves once it has. */
  discard(): Promise<void> {
    this.#subprocess.stdin?.end();
    // Read what it may still print (a syntax error), so its pipes close and hold nothing open.
    this.#subprocess.all?.resume();
    return this.#subprocess.then(() => undefined);
  }
}
