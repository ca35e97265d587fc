// Replaces a file so that readers (Nginx reloading, say) see the old content or the new, never a
// half-written one: write a temp file beside it, flush it, give it the old file's mode and owner,
// rename it over, and flush the directory so the rename itself survives a crash.
//
// Synchronous on purpose: drcon's outputs are small files, and each asynchronous fs call is a
// hand-off to libuv's thread pool and back, on the path from a Consul change to the reload (the
// README's Benchmarks section times the write). Nothing else waits meanwhile: a run holds up the next one anyway, and Consul answers
// queue in their sockets.
import {
  chmodSync, chownSync, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Mode of a file that does not exist yet (the umask applies); default 0644. */
  mode?: number;
  /** Mode of the file whether it exists or not, umask ignored (a template's `perms`). */
  perms?: number;
  /** Owner and group of the file (a template's `user`, `group`); default: the old file's, or drcon's. */
  uid?: number;
  gid?: number;
  /** Create a missing directory (default), as consul-template does unless `create_dest_dirs = false`. */
  createDirectory?: boolean;
  /**
   * Flush the file and the directory so that the new content survives a crash (default). Off for
   * a file drcon writes again at every start: a flush can wait a hundred milliseconds behind
   * other writes to the disk, on the path from a change to traffic.
   */
  durable?: boolean;
}

export function writeFileAtomic(path: string, content: string | Buffer, options: AtomicWriteOptions = {}): void {
  // Writing through a symlink (sites-enabled → sites-available) replaces its target, not the link.
  const target = resolveLink(path);
  const directory = dirname(target);
  // A leading dot and a .tmp suffix keep the temp file out of include globs such as conf.d/*.conf.
  const temp = join(directory, `.${basename(target)}.${tempSuffix()}.tmp`); // see tempFilePattern
  let created = false;
  try {
    const previous = statSync(target, { throwIfNoEntry: false });
    // A missing destination directory is created, as consul-template does by default.
    if (!previous && options.createDirectory !== false) mkdirSync(directory, { recursive: true });
    const fd = openSync(temp, 'wx', previous ? 0o600 : (options.mode ?? 0o644));
    created = true;
    try {
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      if (options.durable !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // chmod, unlike open's mode, ignores the umask: the new file keeps exactly the old mode.
    const mode = options.perms ?? (previous ? previous.mode & 0o7777 : undefined);
    if (mode !== undefined) chmodSync(temp, mode);
    const uid = options.uid ?? (previous && process.getuid?.() === 0 ? previous.uid : undefined);
    const gid = options.gid ?? (previous && process.getuid?.() === 0 ? previous.gid : undefined);
    if (uid !== undefined || gid !== undefined) chownSync(temp, uid ?? -1, gid ?? -1);
    renameSync(temp, target);
    created = false;
    if (options.durable !== false) syncDirectory(directory);
  } catch (error) {
    if (created) unlinkQuietly(temp);
    throw new Error(`cannot write ${path}: ${describeFsError(error)}`);
  }
}

/**
 * Removes the temp files a write to `path` left behind when the process was killed in the middle
 * of it (kill -9, OOM killer, power loss); returns their names. Only one process may write a given
 * file: another's temp file in progress would be removed too.
 */
export function removeStaleTempFiles(path: string): string[] {
  const target = resolveLink(path);
  const directory = dirname(target);
  const pattern = tempFilePattern(basename(target));
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return []; // no directory yet: nothing was left there
  }
  const stale = names.filter((name) => pattern.test(name));
  for (const name of stale) unlinkQuietly(join(directory, name));
  return stale;
}

/**
 * 12 hex digits, unlikely to be those of another write in progress. Not from node:crypto: nobody
 * needs to guess it (the file is created with O_EXCL, and the directory is the destination's), and
 * loading node:crypto is a few milliseconds of every start before the first file.
 */
function tempSuffix(): string {
  return Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, '0');
}

/** The names writeFileAtomic gives its temp files for a file named `base`. */
function tempFilePattern(base: string): RegExp {
  return new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9a-f]{12}\\.tmp$`);
}

/** The file's bytes, or undefined when there is no such file. */
export function readFileIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${describeFsError(error)}`);
  }
}

function resolveLink(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // no file yet (or a dangling link): write at the path as given
  }
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or not ours to remove: nothing more to do
  }
}

/** "permission denied (EACCES)" from Node's "EACCES: permission denied, open '…'". */
function describeFsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === undefined) return String(message ?? error);
  const reason = /^[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message;
  return `${reason} (${code})`;
}
