// Where change→command latency goes, measured beside drcon on the same machine with drcon's own
// building blocks: how soon Consul answers a blocking query after a change, what the runner's
// atomic write (temp file, fsync, rename, directory fsync) costs on this file system, and how
// long a command takes from being started to running `date`: released from a held shell (what
// drcon does after a command's first run), started afresh through the runner's command module,
// through a bare child_process.spawn, and — this machine's floor — one process started by a
// small shell.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/output/atomic-write.ts';
import { runCommand } from '../../src/process/command.ts';
import { HeldShell } from '../../src/process/held-shell.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../../src/log/logger.ts';
import type { ConsulAgent } from '../../harness/consul.ts';
import { anchorWallClock, nsToMs, type WallClock } from './wall-clock.ts';

/**
 * Starts a blocking query on the endpoint drcon watches, at the current index. Call before the
 * change; `answered` then resolves to the wall-clock time its answer arrived. (Wrapped in an
 * object: an async function cannot hand back a pending promise, it would wait for it.)
 */
export async function watchOnce(consul: ConsulAgent, path: string, clock: WallClock): Promise<{ answered: Promise<bigint> }> {
  const first = await fetch(`${consul.url}${path}`);
  await first.arrayBuffer();
  const index = first.headers.get('x-consul-index');
  const separator = path.includes('?') ? '&' : '?';
  const answered = fetch(`${consul.url}${path}${separator}index=${index}&wait=10s`).then(async (response) => {
    const at = clock.nowNs();
    await response.arrayBuffer();
    return at;
  });
  return { answered };
}

/** Milliseconds per writeFileAtomic of a small file in `dir`. */
export async function atomicWriteCosts(dir: string, samples: number): Promise<number[]> {
  const path = join(dir, 'atomic-write-probe.out');
  const costs: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const started = performance.now();
    writeFileAtomic(path, `probe ${sample}\n`);
    costs.push(performance.now() - started);
  }
  return costs;
}

export interface CommandStartCosts {
  /** A shell started beforehand and held (src/process/held-shell.ts), then released. */
  held: number[];
  /** src/process/command.ts (execa, own process group, output captured). */
  runner: number[];
  /** child_process.spawn of the same shell command, output ignored. */
  bareSpawn: number[];
  /** Between two `date`s run one after the other by /bin/sh: one process start from a small process. */
  smallShellStart: number[];
}

/** Milliseconds from starting `sh -c 'date +%s%N > file'` to the time `date` printed. */
export async function commandStartCosts(dir: string, samples: number): Promise<CommandStartCosts> {
  const file = join(dir, 'command-probe.log');
  const command = `date +%s%N > ${file}`;
  const measure = async (start: () => Promise<unknown>) => {
    const costs: number[] = [];
    for (let sample = 0; sample < samples; sample++) {
      writeFileSync(file, '');
      const clock = anchorWallClock();
      const startedAt = clock.nowNs();
      await start();
      costs.push(nsToMs(BigInt(readFileSync(file, 'utf8').trim()) - startedAt));
    }
    return costs;
  };
  const held: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    writeFileSync(file, '');
    const shell = new HeldShell(command);
    await sleep(50); // let it reach its `read`, as a held shell has long done when a change comes
    const clock = anchorWallClock();
    const releasedAt = clock.nowNs();
    const subprocess = shell.release();
    subprocess?.all?.resume();
    await subprocess;
    held.push(nsToMs(BigInt(readFileSync(file, 'utf8').trim()) - releasedAt));
  }
  const smallShellStart: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    // From one `date` printing to the next printing: the first exiting, the shell starting the next.
    const { output } = await runCommand('date +%s%N; date +%s%N', { timeoutMs: 10_000, logger: silentLogger });
    const [first, second] = output.trim().split('\n').map((line) => BigInt(line));
    smallShellStart.push(nsToMs(second! - first!));
  }
  return {
    held,
    runner: await measure(() => runCommand(command, { timeoutMs: 10_000, logger: silentLogger })),
    bareSpawn: await measure(() => once(spawn('/bin/sh', ['-c', command], { stdio: 'ignore' }), 'exit')),
    smallShellStart,
  };
}
