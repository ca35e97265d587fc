// The host signals drcon: SIGTERM must end it promptly with nothing it started left running, even
// in the middle of a command; SIGHUP must re-read its templates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';
import { descendantsOf, isAlive } from '../../harness/processes.ts';

let consul: ConsulAgent;
const running: RunningDrcon[] = [];
const cleanups: (() => void)[] = [];
const dir = mkdtempSync(join(tmpdir(), 'drcon-signals-'));
chmodSync(dir, 0o711); // Nginx workers (another user when run as root) pass through it

before(async () => {
  consul = await startConsul();
  await consul.putKey('signals/value', 'x');
});
after(async () => {
  // SIGTERM, not SIGKILL: an -exec child outlives a killed drcon (and holds the test's pipes).
  await Promise.all(running.map((drcon) => drcon.stop()));
  for (const cleanup of cleanups.reverse()) cleanup();
  await consul?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[]): RunningDrcon {
  const drcon = startDrcon([...args.slice(0, 1), '-consul-addr', consul.address, ...args.slice(1)]);
  running.push(drcon);
  return drcon;
}

function exited(drcon: RunningDrcon): boolean {
  return drcon.process.exitCode !== null || drcon.process.signalCode !== null;
}

/** drcon's live descendants, once there are at least `count`: a shell forks its commands after it starts. */
function processesUnder(drcon: RunningDrcon, count: number, what: string): Promise<number[]> {
  return waitFor(`${what} running under drcon`, () => {
    const found = descendantsOf(drcon.process.pid!);
    return found.length >= count ? found : undefined;
  });
}

/** SIGTERM, then at most 2 s for drcon to exit (the bound of the wait is the assertion). */
async function terminateWithin2s(drcon: RunningDrcon): Promise<number | null> {
  drcon.process.kill('SIGTERM');
  await waitFor('drcon exit after SIGTERM', () => exited(drcon), { timeoutMs: 2_000, intervalMs: 10 });
  return drcon.process.exitCode;
}

test('SIGTERM while a command runs: drcon exits within 2 s and the command and its children are gone', async () => {
  const source = join(dir, 'busy.hbs');
  writeFileSync(source, 'v={{key "signals/value"}}\n');
  const out = join(dir, 'busy.out');
  // A slow reload that starts a child of its own, as `service nginx reload` scripts do.
  const drcon = start(['render', '-template', `${source}:${out}:sleep 300 & sleep 300`]);
  const children = await processesUnder(drcon, 3, 'the shell and its two sleeps');

  assert.equal(await terminateWithin2s(drcon), 0);
  await waitFor('children stopped', () => children.every((pid) => !isAlive(pid)), { timeoutMs: 1_000 });
  await drcon.waitForOutput(/stopping.*SIGTERM/); // output arrives through a pipe, maybe after the exit
});

test('-once: SIGTERM while its command runs ends the run unfinished (exit 1) within 2 s, the command gone', async () => {
  const source = join(dir, 'once.hbs');
  writeFileSync(source, 'v={{key "signals/value"}}\n');
  // Without handling, Node would die of the signal at once and leave the command running.
  const drcon = start(['render', '-once', '-template', `${source}:${join(dir, 'once.out')}:sleep 300`]);
  const children = await processesUnder(drcon, 2, 'the shell and its sleep');

  assert.equal(await terminateWithin2s(drcon), 1);
  await waitFor('command stopped', () => children.every((pid) => !isAlive(pid)), { timeoutMs: 1_000 });
});

test('SIGTERM of drcon lb: drcon exits within 2 s, Nginx master and workers are gone', async () => {
  const port = await freePort();
  const drcon = start(['lb', '-service', 'signals-web', '-listen', `127.0.0.1:${port}`, '-dir', join(dir, 'lb'), '-status-addr', 'off']);
  await waitFor('nginx answering', async () => (await fetch(`http://127.0.0.1:${port}/`)).status === 503);
  const children = descendantsOf(drcon.process.pid!);
  assert.ok(children.length >= 2, `an Nginx master and at least one worker: ${children.join(' ')}`);

  assert.equal(await terminateWithin2s(drcon), 0);
  await waitFor('nginx stopped', () => children.every((pid) => !isAlive(pid)), { timeoutMs: 1_000 });
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
});

test('-exec: SIGTERM stops the whole child command (a shell and what it started) within 2 s', async () => {
  const source = join(dir, 'exec.hbs');
  writeFileSync(source, 'v={{key "signals/value"}}\n');
  const drcon = start(['render', '-template', `${source}:${join(dir, 'exec.out')}`, '-exec', 'sleep 300 & sleep 300 & wait']);
  await drcon.waitForOutput(/child started/);
  const children = await processesUnder(drcon, 3, 'the shell and both sleeps');

  await terminateWithin2s(drcon);
  await waitFor('child command stopped', () => children.every((pid) => !isAlive(pid)), { timeoutMs: 1_000 });
});

test('-exec: a child that ignores SIGTERM is killed after the grace period; drcon exits', async () => {
  const source = join(dir, 'stubborn.hbs');
  writeFileSync(source, 'v={{key "signals/value"}}\n');
  const drcon = start(['render', '-template', `${source}:${join(dir, 'stubborn.out')}`, '-exec', 'trap "" TERM; sleep 300 & wait']);
  await drcon.waitForOutput(/child started/);
  const children = await processesUnder(drcon, 2, 'the shell and its sleep');

  drcon.process.kill('SIGTERM');
  await waitFor('drcon exit after the 5 s grace', () => exited(drcon), { timeoutMs: 8_000 });
  assert.equal(drcon.process.exitCode, 137, 'the child was killed (128 + 9)');
  await drcon.waitForOutput(/child did not stop; sending SIGKILL .*afterMs=5000/); // the log line was written first, but the pipe is read later
  await waitFor('child command stopped', () => children.every((pid) => !isAlive(pid)), { timeoutMs: 1_000 });
});

test('-exec-kill-signal and -exec-kill-timeout: the child gets that signal, and SIGKILL after that time', async () => {
  const source = join(dir, 'kill-signal.hbs');
  writeFileSync(source, 'v={{key "signals/value"}}\n');
  const marker = join(dir, 'got-usr1');
  // The child stops on SIGUSR1 only after writing down that it got it; it ignores SIGTERM.
  const child = `trap "" TERM; trap "echo usr1 > '${marker}'; exit 3" USR1; while :; do sleep 0.05; done`;
  const drcon = start(['render', '-template', `${source}:${join(dir, 'kill-signal.out')}`, '-exec', child, '-exec-kill-signal', 'USR1']);
  await drcon.waitForOutput(/child started/);
  drcon.process.kill('SIGTERM');
  await waitFor('drcon exit', () => exited(drcon));
  assert.equal(drcon.process.exitCode, 3, 'the child exited by its USR1 trap; drcon took over its status');
  assert.equal(readFileSync(marker, 'utf8'), 'usr1\n');

  const stubborn = start(['render', '-template', `${source}:${join(dir, 'kill-timeout.out')}`, '-exec', 'trap "" TERM; sleep 300 & wait', '-exec-kill-timeout', '100ms']);
  await stubborn.waitForOutput(/child started/);
  stubborn.process.kill('SIGTERM');
  await waitFor('drcon exit', () => exited(stubborn));
  assert.equal(stubborn.process.exitCode, 137, 'the child was killed (128 + 9)');
  await stubborn.waitForOutput(/child did not stop; sending SIGKILL .*afterMs=100\b/);
});

test('-exec: a single command is the child itself, so the reload signal reaches the program', async () => {
  const source = join(dir, 'reload.hbs');
  writeFileSync(source, 'v={{key "signals/reload"}}\n');
  await consul.putKey('signals/reload', 'one');
  const hups = join(dir, 'hups.log');
  // Single-quoted JS strings inside the double-quoted shell word (the temp paths hold no quotes).
  const program = `require('fs').writeFileSync('${join(dir, 'program.pid')}', String(process.pid)); process.on('SIGHUP', () => require('fs').appendFileSync('${hups}', 'hup\\n')); setInterval(() => {}, 1000)`;
  const drcon = start(['render', '-template', `${source}:${join(dir, 'reload.out')}`, '-exec', `${process.execPath} -e "${program}"`]);
  await drcon.waitForOutput(/child started/);
  // writeFileSync creates the file before it writes to it: wait for the whole number, not the file.
  const programPid = () => (existsSync(join(dir, 'program.pid')) ? Number(readFileSync(join(dir, 'program.pid'), 'utf8')) : 0);
  await waitFor('program running', () => programPid() > 0);
  assert.deepEqual(descendantsOf(drcon.process.pid!), [programPid()], 'no shell between drcon and the program');

  await consul.putKey('signals/reload', 'two');
  await waitFor('program got SIGHUP', () => existsSync(hups) && readFileSync(hups, 'utf8') === 'hup\n');
  assert.equal(exited(drcon), false, 'drcon and its child keep running');
});

test('SIGHUP re-reads the templates, even an edit no file watcher saw', async () => {
  const source = join(dir, 'hup.hbs');
  writeFileSync(source, 'first {{key "signals/value"}}\n');
  const out = join(dir, 'hup.out');
  const drcon = start(['render', '-template', `${source}:${out}`]);
  await waitFor('first render', () => existsSync(out) && readFileSync(out, 'utf8') === 'first x\n');
  // A bind mount changes what the path reads without any file event: only SIGHUP can reveal it.
  const replacement = join(dir, 'hup-replacement.hbs');
  writeFileSync(replacement, 'second {{key "signals/value"}}\n');
  execFileSync('mount', ['--bind', replacement, source]);
  cleanups.push(() => execFileSync('umount', [source]));
  assert.equal(readFileSync(source, 'utf8'), 'second {{key "signals/value"}}\n');

  drcon.process.kill('SIGHUP');
  await waitFor('re-read template rendered', () => readFileSync(out, 'utf8') === 'second x\n');
  await drcon.waitForOutput(/template reloaded/); // the log line was written first, but the pipe is read later
  assert.equal(exited(drcon), false, 'SIGHUP does not stop drcon');
});
