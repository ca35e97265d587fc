// What `npm run bench -- --scale` can be told from the environment, to measure one question at a
// time (the budget table in the README's Scale section was made this way):
//   BENCH_SCALE_SIZES=25,100,300,1000   the catalog sizes, in services (default: every size)
//   BENCH_SCALE_BUDGET=24               drcon's -max-blocking-queries (default: drcon's own)

/** The sizes named in BENCH_SCALE_SIZES, or `all` when it is unset. */
export function scaleSizes(all: readonly number[], environment: NodeJS.ProcessEnv = process.env): number[] {
  const text = environment.BENCH_SCALE_SIZES?.trim();
  if (text === undefined || text === '') return [...all];
  const sizes = text.split(',').map((part) => wholeNumber(part.replaceAll('_', ''), 'BENCH_SCALE_SIZES', text));
  // The catalog only grows: sizes run smallest first.
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** drcon's arguments for BENCH_SCALE_BUDGET, none when it is unset. */
export function budgetArgs(environment: NodeJS.ProcessEnv = process.env): string[] {
  const text = environment.BENCH_SCALE_BUDGET?.trim();
  if (text === undefined || text === '') return [];
  return ['-max-blocking-queries', String(wholeNumber(text, 'BENCH_SCALE_BUDGET', text))];
}

function wholeNumber(part: string, name: string, whole: string): number {
  const value = Number(part.trim());
  if (!/^\d+$/.test(part.trim()) || value < 1) throw new Error(`${name}=${whole}: expected whole numbers ≥ 1 separated by commas`);
  return value;
}
