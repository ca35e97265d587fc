// A benchmark mode: one flag of `npm run bench`, one section of the report. bench.ts runs the
// modes marked byDefault when no mode flag is given; a new mode is a new file and a list entry.

import type { Section } from './figures.ts';

export interface BenchContext {
  /** May the bench install a missing tool (wrk) with apt-get? */
  allowInstall: boolean;
  /** A progress line on stderr, so a long run shows where it is. */
  progress(message: string): void;
}

export interface BenchMode {
  /** The command-line flag that selects it: --render, --lb, ... */
  readonly flag: string;
  readonly describe: string;
  readonly byDefault: boolean;
  run(context: BenchContext): Promise<Section>;
}
