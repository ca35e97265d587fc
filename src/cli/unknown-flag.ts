// A flag the command does not have, named as the user typed it, with the nearest real flag when
// one is close. yargs' own message names the flag as it parsed it: "-no-such-flag" is read as the
// negation of "such-flag" and reported as "such-flag, suchFlag".

export interface KnownFlags {
  /** Every name the command accepts, aliases included, without dashes ("consul-addr", "o"). */
  names: readonly string[];
  /** Switches: "-no-NAME" is their negation. */
  booleans: readonly string[];
}

/** The first flag of `args` (as typed, before `--`) that the command does not know, as one line. */
export function unknownFlagProblem(args: readonly string[], known: KnownFlags): string | undefined {
  const names = new Set(known.names);
  for (const arg of args) {
    if (arg === '--') break;
    const match = /^(--?)([A-Za-z][A-Za-z0-9-]*)(=.*)?$/s.exec(arg);
    if (!match) continue;
    const name = match[2]!;
    if (names.has(name)) continue;
    const negated = /^no-(.+)$/.exec(name)?.[1];
    if (negated !== undefined && known.booleans.includes(negated)) continue;
    const typed = `${match[1]}${name}`;
    const nearest = nearestName(name, known.names.filter((candidate) => candidate.length > 1));
    return `unknown flag ${typed}${nearest === undefined ? '' : ` (did you mean -${nearest}?)`}`;
  }
  return undefined;
}

/** The candidate fewest edits away, when that is few enough to be a slip rather than another word. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  const allowed = Math.max(2, Math.floor(name.length / 4));
  return best !== undefined && best.distance <= allowed ? best.candidate : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions of one character each. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
