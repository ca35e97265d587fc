// Replaces a file so that readers (Nginx reloading, say) see the old content or the new, never a
// half-written one: write a temp file beside it, flush it, give it the old file's mode and owner,
// rename it over, and flush the directory so the rename itself survives a crash.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, readdir, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Mode of a file that does not exist yet (the umask applies); default 0644. */
  mode?: number;
}

export async function writeFileAtomic(
  path: string,
  content: string | Buffer,
  options: AtomicWriteOptions = {},
): Promise<void> {
  // Writing through a symlink (sites-enabled → sites-available) replaces its target, not the link.
  const target = await resolveLink(path);
  const directory = dirname(target);
  // A leading dot and a .tmp suffix keep the temp file out of include globs such as conf.d/*.conf.
  const temp = join(directory, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`); // see tempFilePattern
  let created = false;
  try {
    const previous = await stat(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    // A missing destination directory is created, as consul-template does by default.
    if (!previous) await mkdir(directory, { recursive: true });
    const handle = await open(temp, 'wx', previous ? 0o600 : (options.mode ?? 0o644));
    created = true;
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (previous) {
      // chmod, unlike open's mode, ignores the umask: the new file keeps exactly the old mode.
      await chmod(temp, previous.mode & 0o7777);
      if (process.getuid?.() === 0) await chown(temp, previous.uid, previous.gid);
    }
    await rename(temp, target);
    created = false;
    await syncDirectory(directory);
  } catch (error) {
    if (created) await unlink(temp).catch(() => {});
    throw new Error(`cannot write ${path}: ${describeFsError(error)}`);
  }
}

/**
 * Removes the temp files a write to `path` left behind when the process was killed in the middle
 * of it (kill -9, OOM killer, power loss); returns their names. Only one process may write a given
 * file: another's temp file in progress would be removed too.
 */
export async function removeStaleTempFiles(path: string): Promise<string[]> {
  const target = await resolveLink(path);
  const directory = dirname(target);
  const pattern = tempFilePattern(basename(target));
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return []; // no directory yet: nothing was left there
  }
  const stale = names.filter((name) => pattern.test(name));
  for (const name of stale) await unlink(join(directory, name)).catch(() => {});
  return stale;
}

/** The names writeFileAtomic gives its temp files for a file named `base`. */
function tempFilePattern(base: string): RegExp {
  return new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9a-f]{12}\\.tmp$`);
}

/** The file's bytes, or undefined when there is no such file. */
export async function readFileIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${describeFsError(error)}`);
  }
}

async function resolveLink(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path; // no file yet (or a dangling link): write at the path as given
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** "permission denied (EACCES)" from Node's "EACCES: permission denied, open '…'". */
function describeFsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === undefined) return String(message ?? error);
  const reason = /^[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message;
  return `${reason} (${code})`;
}
