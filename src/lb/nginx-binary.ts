// Where the nginx executable is. Debian installs it in /usr/sbin, which is not on a normal
// user's PATH, so the usual sbin locations are tried after PATH.
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

const sbinLocations = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** The nginx to run: `explicit` when given (a path or a name on PATH), otherwise the first found. */
export async function resolveNginxBinary(explicit?: string): Promise<string> {
  if (explicit !== undefined && explicit.includes('/')) return explicit;
  const name = explicit ?? 'nginx';
  const onPath = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  const candidates = explicit === undefined ? [...onPath, ...sbinLocations] : onPath;
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) return candidate;
  }
  throw new Error(`nginx not found: looked for "${name}" on PATH${explicit === undefined ? ` and in ${sbinLocations.join(', ')}` : ''}`);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
