// Sorting for rendered lists: code-unit order is the same on every machine and locale (unlike
// localeCompare), so the same data always renders the same bytes.

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
