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
