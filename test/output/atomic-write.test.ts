import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { readFileIfExists, writeFileAtomic } from '../../src/output/atomic-write.ts';

const isRoot = process.getuid?.() === 0;
const nobody = 65534;

/**
 * Runs writeFileAtomic in a process of an unprivileged user, because root ignores the
 * permissions these tests rely on. Resolves with the error message, or "ok".
 */
async function writeAsNobody(path: string, content: string): Promise<string> {
  const module = new URL('../../src/output/atomic-write.ts', import.meta.url).href;
  const script = `
    const { writeFileAtomic } = await import(${JSON.stringify(module)});
    try { writeFileAtomic(${JSON.stringify(path)}, ${JSON.stringify(content)}); console.log('ok'); }
    catch (error) { console.log(error.message); }`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    uid: nobody,
    gid: nobody,
  });
  return stdout.trim();
}

/** The message of what `write` throws, or "ok". */
function messageOf(write: () => void): string {
  try {
    write();
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('writeFileAtomic', () => {
  let root: string;
  let count = 0;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'drcon-atomic-'));
    await chmod(root, 0o755); // reachable by the unprivileged helper process
  });
  after(() => rm(root, { recursive: true, force: true }));
  const freshDir = async (): Promise<string> => {
    const dir = join(root, `case-${++count}`);
    await mkdir(dir);
    await chmod(dir, 0o755);
    return dir;
  };

  it('creates a new file with mode 0644 (less the umask) and leaves nothing else', async () => {
    const dir = await freshDir();
    const file = join(dir, 'app.conf');
    writeFileAtomic(file, 'server {}\n');
    assert.equal(await readFile(file, 'utf8'), 'server {}\n');
    assert.equal((await stat(file)).mode & 0o777, 0o644 & ~process.umask());
    assert.deepEqual(await readdir(dir), ['app.conf']);
  });

  it('replaces the content whole, longer by shorter, from a string or a Buffer', async () => {
    const dir = await freshDir();
    const file = join(dir, 'app.conf');
    writeFileAtomic(file, 'x'.repeat(100_000));
    writeFileAtomic(file, 'short');
    assert.equal(await readFile(file, 'utf8'), 'short');
    writeFileAtomic(file, Buffer.from([0, 1, 2]));
    assert.deepEqual(await readFile(file), Buffer.from([0, 1, 2]));
    assert.deepEqual(await readdir(dir), ['app.conf']);
  });

  it('keeps the mode of the file it replaces, ignoring the umask', async () => {
    const dir = await freshDir();
    const file = join(dir, 'secret.conf');
    await writeFile(file, 'old');
    await chmod(file, 0o640);
    writeFileAtomic(file, 'new');
    assert.equal((await stat(file)).mode & 0o7777, 0o640);
    await chmod(file, 0o666);
    writeFileAtomic(file, 'newer');
    assert.equal((await stat(file)).mode & 0o7777, 0o666);
  });

  it('keeps the owner of the file it replaces when running as root', { skip: !isRoot && 'needs root' }, async () => {
    const dir = await freshDir();
    const file = join(dir, 'owned.conf');
    await writeFile(file, 'old');
    await chown(file, 1234, 5678);
    writeFileAtomic(file, 'new');
    const after = await stat(file);
    assert.deepEqual([after.uid, after.gid], [1234, 5678]);
  });

  it('uses the given mode for a new file', async () => {
    const dir = await freshDir();
    const file = join(dir, 'private.conf');
    writeFileAtomic(file, 'x', { mode: 0o600 });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('creates a missing destination directory', async () => {
    const dir = await freshDir();
    const file = join(dir, 'conf.d', 'nested', 'app.conf');
    writeFileAtomic(file, 'x');
    assert.equal(await readFile(file, 'utf8'), 'x');
  });

  it('writes through a symlink to its target, keeping the link', async () => {
    const dir = await freshDir();
    await mkdir(join(dir, 'available'));
    await mkdir(join(dir, 'enabled'));
    const target = join(dir, 'available', 'site.conf');
    const link = join(dir, 'enabled', 'site.conf');
    await writeFile(target, 'old');
    await symlink(target, link);
    writeFileAtomic(link, 'new');
    assert.equal(await readFile(target, 'utf8'), 'new');
    assert.ok((await lstat(link)).isSymbolicLink());
    assert.deepEqual(await readdir(join(dir, 'enabled')), ['site.conf']);
  });

  it('fails in one line naming the path when the rename fails, and removes its temp file', async () => {
    const dir = await freshDir();
    // A non-empty directory at the destination: the temp file is written, the rename fails.
    const file = join(dir, 'app.conf');
    await mkdir(file);
    await writeFile(join(file, 'inside'), '');
    assert.throws(() => writeFileAtomic(file, 'x'), (error: Error) => {
      assert.match(error.message, new RegExp(`^cannot write ${file}: .+ \\((EISDIR|ENOTEMPTY|EEXIST)\\)$`));
      return true;
    });
    assert.deepEqual(await readdir(dir), ['app.conf']);
  });

  it('fails with EACCES in a read-only directory and leaves it as it was', async () => {
    const dir = await freshDir();
    const file = join(dir, 'app.conf');
    await writeFile(file, 'old');
    await chmod(file, 0o644);
    await chmod(dir, 0o555);
    const message = isRoot
      ? await writeAsNobody(file, 'new')
      : messageOf(() => writeFileAtomic(file, 'new'));
    assert.equal(message, `cannot write ${file}: permission denied (EACCES)`);
    assert.deepEqual(await readdir(dir), ['app.conf']);
    assert.equal(await readFile(file, 'utf8'), 'old');
  });

  it('removes its temp file when the rename is refused (sticky directory)', { skip: !isRoot && 'needs root' }, async () => {
    const dir = await freshDir();
    const file = join(dir, 'app.conf');
    await writeFile(file, 'old');
    // World-writable and sticky, like /tmp: anyone may create a file, but only root may replace
    // root's, so the temp file is written and the rename fails.
    await chmod(dir, 0o1777);
    const message = await writeAsNobody(file, 'new');
    assert.match(message, new RegExp(`^cannot write ${file}: .+ \\((EPERM|EACCES)\\)$`));
    assert.deepEqual(await readdir(dir), ['app.conf']);
    assert.equal(await readFile(file, 'utf8'), 'old');
  });
});

describe('readFileIfExists', () => {
  const dir = mkdtemp(join(tmpdir(), 'drcon-read-'));
  after(async () => rm(await dir, { recursive: true, force: true }));

  it('returns the bytes of a file and undefined for a missing one', async () => {
    const file = join(await dir, 'a');
    assert.equal(readFileIfExists(file), undefined);
    await writeFile(file, 'abc');
    assert.deepEqual(readFileIfExists(file), Buffer.from('abc'));
  });

  it('fails in one line for other errors', async () => {
    const path = await dir;
    assert.throws(() => readFileIfExists(path), { message: `cannot read ${path}: illegal operation on a directory (EISDIR)` });
  });
});
