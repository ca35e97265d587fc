// consul-template's users type single-dash long flags (`-template`, `-once`); yargs reads those
// as bundles of short flags. Rewriting them to the double-dash form first keeps both spellings.

export function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    // "-x" stays a short flag; "-5" or "-" are values, not flags.
    out.push(/^-[A-Za-z][A-Za-z0-9-]+(=.*)?$/s.test(arg) ? '-' + arg : arg);
  }
  return out;
}

/**
 * yargs reads a boolean flag given a value it does not know (`-once=yes`) as false, silently: a
 * script would then watch forever instead of rendering once. Such a value is refused instead.
 * `argv` is the normalized form (double dashes).
 */
export function booleanValueProblem(argv: readonly string[], booleans: readonly string[]): string | undefined {
  for (const arg of argv) {
    if (arg === '--') break;
    const match = /^--([^=]+)=(.*)$/s.exec(arg);
    if (match && booleans.includes(match[1]!) && !/^(true|false)$/i.test(match[2]!)) {
      return `-${match[1]}: expected true or false, got ${JSON.stringify(match[2])}`;
    }
  }
  return undefined;
}
