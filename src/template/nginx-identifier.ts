// `identifier`: any text (a service name like "CAS Client Service") as a name Nginx accepts for an
// upstream or a variable: only [A-Za-z0-9_], never empty, never starting with a digit.
import { createRequire } from 'node:module';

// Loaded when a name first needs its hash: node:crypto is a few milliseconds of every start.
let crypto: typeof import('node:crypto') | undefined;

export function nginxIdentifier(text: string): string {
  let name = text.replace(/[^A-Za-z0-9_]/g, '_');
  if (name === '' || /^[0-9]/.test(name)) name = '_' + name;
  if (name === text) return name;
  // Replacing characters can make two names equal ("a b", "a.b"); a hash of the original text
  // keeps them apart, and stays the same from one render to the next.
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return `${name}_${crypto.createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}
