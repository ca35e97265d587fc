// A user or group as a template's `user`/`group` names it: a number, or a name looked up in
// /etc/passwd or /etc/group (where Debian and its images keep them; drcon does not ask NSS).
import { readFileSync } from 'node:fs';

/** The id of `name` in the colon-separated `database` ("/etc/passwd"), or undefined. */
export function systemId(name: string | number, database: '/etc/passwd' | '/etc/group'): number | undefined {
  if (typeof name === 'number') return Number.isSafeInteger(name) && name >= 0 ? name : undefined;
  if (/^\d+$/.test(name)) return Number(name);
  let text: string;
  try {
    text = readFileSync(database, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [entry, , id] = line.split(':');
    if (entry === name && id !== undefined && /^\d+$/.test(id)) return Number(id);
  }
  return undefined;
}
