// The host refuses the output: a directory drcon may not write to, a full disk, a template file
// deleted while watched. Each gives one clear error, keeps the last good output, and drcon
// recovers by itself once the cause is gone: the next change renders.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { waitFor } from '../../harness/wait.ts';

let consul: ConsulAgent;
const running: RunningDrcon[] = [];
const cleanups: (() => void)[] = [];
const dir = mkdtempSync(join(tmpdir(), 'drcon-output-'));

before(async () => {
  consul = await startConsul();
});
after(async () => {
  await Promise.all(running.map((drcon) => drcon.stop()));
  for (const cleanup of cleanups.reverse()) cleanup();
  await consul?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function watch(source: string, destination: string): RunningDrcon {
  const drcon = startDrcon(['render', '-consul-addr', consul.address, '-template', `${source}:${destination}`]);
  running.push(drcon);
  return drcon;
}

/** A template listing the ports of a service, one per line, ending with a sentinel line. */
function portsTemplate(name: string, service: string): string {
  const source = join(dir, name);
  writeFileSync(source, `{{#each (service "${service}")}}{{Port}}\n{{/each}}end\n`);
  return source;
}

function register(service: string, port: number): Promise<void> {
  return consul.registerService({ ID: `${service}-${port}`, Name: service, Address: '127.0.0.1', Port: port });
}

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** drcon's log lines (after `from`) that match `pattern`. */
function lines(drcon: RunningDrcon, pattern: RegExp, from = 0): string[] {
  return drcon.output().slice(from).split('\n').filter((line) => pattern.test(line));
}

test('output directory not writable (immutable): one error per failed render, last output kept, recovers', async (t) => {
  const outputs = join(dir, 'immutable');
  mkdirSync(outputs);
  const out = join(outputs, 'app.conf');
  const drcon = watch(portsTemplate('immutable.hbs', 'immutable'), out);
  await register('immutable', 7001);
  await waitFor('first render', () => existsSync(out) && read(out) === '7001\nend\n');

  // Root ignores permission bits; the immutable attribute stops even root from adding a file.
  execFileSync('chattr', ['+i', outputs]);
  t.after(() => execFileSync('chattr', ['-i', outputs]));
  const logStart = drcon.output().length;
  await register('immutable', 7002);
  await drcon.waitForOutput(/cannot write .*immutable\/app\.conf: operation not permitted \(EPERM\)/);
  const errors = lines(drcon, /ERROR/, logStart);
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0]!, /template=.*immutable\.hbs/);
  assert.equal(read(out), '7001\nend\n', 'last good output kept');
  assert.equal(drcon.process.exitCode, null, 'still running');

  execFileSync('chattr', ['-i', outputs]);
  await register('immutable', 7003);
  await waitFor('render after the directory is writable again', () => read(out) === '7001\n7002\n7003\nend\n');
  assert.deepEqual(readdirSync(outputs), ['app.conf'], 'no temp file left behind');
});

test('disk full: the old file stays complete, no temp file is left, and freeing space lets the next change render', async (t) => {
  const disk = join(dir, 'small-disk');
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
  t.after(() => execFileSync('umount', ['-l', disk]));
  const out = join(disk, 'app.conf');
  const drcon = watch(portsTemplate('full.hbs', 'full'), out);
  await register('full', 7101);
  await waitFor('first render', () => existsSync(out) && read(out) === '7101\nend\n');

  // Fill what is left of the disk.
  const filler = join(disk, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
  } catch {
    // dd ends with "No space left on device": that is the point.
  }
  const logStart = drcon.output().length;
  await register('full', 7102);
  await drcon.waitForOutput(/cannot write .*small-disk\/app\.conf: no space left on device \(ENOSPC\)/);
  assert.equal(lines(drcon, /ERROR/, logStart).length, 1, drcon.output().slice(logStart));
  assert.equal(read(out), '7101\nend\n', 'the old file is complete');
  assert.deepEqual(readdirSync(disk).sort(), ['app.conf', 'filler'], 'no temp file left on the full disk');

  unlinkSync(filler);
  await register('full', 7103);
  await waitFor('render after space is freed', () => read(out) === '7101\n7102\n7103\nend\n');
});

test('template deleted while watched: one error, output kept, and a restored template renders', async () => {
  const source = portsTemplate('deleted.hbs', 'deleted');
  const out = join(dir, 'deleted.out');
  const drcon = watch(source, out);
  await register('deleted', 7201);
  await waitFor('first render', () => existsSync(out) && read(out) === '7201\nend\n');

  const logStart = drcon.output().length;
  unlinkSync(source);
  await drcon.waitForOutput(/template file removed; keeping the last good output/);
  // A change still renders with the template as it was last read.
  await register('deleted', 7202);
  await waitFor('change rendered with the last good template', () => read(out) === '7201\n7202\nend\n');
  const errors = lines(drcon, /ERROR/, logStart);
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0]!, /deleted\.hbs/);

  writeFileSync(source, '{{#each (service "deleted")}}port {{Port}}\n{{/each}}end\n');
  await waitFor('restored template rendered', () => read(out) === 'port 7201\nport 7202\nend\n');
  await register('deleted', 7203);
  await waitFor('next change rendered', () => read(out) === 'port 7201\nport 7202\nport 7203\nend\n');
});

test('template replaced by rename (an editor\'s atomic save) is reloaded, again and again', async () => {
  const source = portsTemplate('renamed.hbs', 'renamed');
  const out = join(dir, 'renamed.out');
  watch(source, out);
  await register('renamed', 7301);
  await waitFor('first render', () => existsSync(out) && read(out) === '7301\nend\n');
  for (const word of ['one', 'two', 'three']) {
    const temp = join(dir, `.renamed.hbs.${word}`);
    writeFileSync(temp, `{{#each (service "renamed")}}${word} {{Port}}\n{{/each}}end\n`);
    renameSync(temp, source);
    await waitFor(`template "${word}" rendered`, () => read(out) === `${word} 7301\nend\n`);
  }
});
