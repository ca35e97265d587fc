// A. `drcon render`: a real Consul dev agent and drcon as separate processes. The template lists
// the instances of one service; its command appends `date +%s%N` to a file, so each command run
// carries the wall-clock time it ran at, and latencies are measured against the wall-clock time
// taken right after the Consul HTTP call that made the change returned.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { waitFor } from '../../harness/wait.ts';
import { Cleanups, withCleanups } from './cleanups.ts';
import { CommandLog } from './command-log.ts';
import { maximum, percentile, type Figure, type Section } from './figures.ts';
import type { BenchContext, BenchMode } from './mode.ts';
import { processUsage } from './process-usage.ts';
import { atomicWriteCosts, commandStartCosts, watchOnce } from './render-stages.ts';
import { firstRenderCosts, versionCosts } from './start-up.ts';
import { anchorWallClock, nsToMs } from './wall-clock.ts';

const service = 'bench';
const latencyChanges = 50;
const changeSpacingMs = 300;
const burstChanges = 200;
const idleSeconds = 10;
const stageSamples = 30;
const startUpSamples = 10;

export const renderBench: BenchMode = {
  flag: 'render',
  describe: 'A. drcon render: change→command latency, burst, start-up, recovery, RSS/CPU',
  byDefault: true,
  run: (context) => withCleanups((cleanups) => measure(context, cleanups)),
};

async function measure({ progress }: BenchContext, cleanups: Cleanups): Promise<Section> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'drcon-bench-render-'));
  cleanups.defer(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'instances.hbs');
  const output = join(dir, 'instances.out');
  const log = new CommandLog(join(dir, 'runs.log'));
  writeFileSync(source, `{{#each (service "${service}")}}{{ID}} {{Port}}\n{{/each}}`);

  progress('A: starting consul agent -dev');
  const consul = await startConsul();
  cleanups.defer(() => consul.stop());
  await consul.api('GET', '/v1/status/leader'); // opens the keep-alive connection the changes reuse

  // Start-up: from spawning drcon to the output file existing (first render written).
  progress('A: starting drcon render');
  const spawnedAt = performance.now();
  const drcon = startDrcon(['render', '-consul-addr', consul.address, '-template', `${source}:${output}:${log.command}`]);
  cleanups.defer(() => drcon.stop());
  await waitFor('first render', () => existsSync(output), { timeoutMs: 30_000, intervalMs: 1 });
  const startupMs = performance.now() - spawnedAt;
  await log.waitForQuiet(300, 5_000);
  figures.push({ id: 'startup_first_render_ms', label: 'start-up: process spawn → first render written', value: startupMs, unit: 'ms' });
  progress(`A: start-up, ${startUpSamples} starts each`);
  const starts = await firstRenderCosts(consul.address, source, dir, startUpSamples);
  const versions = versionCosts(startUpSamples);
  figures.push(
    { id: 'startup_first_render_p50_ms', label: `start-up: spawn → first render, p50 of ${startUpSamples} more starts`, value: percentile(starts, 50), unit: 'ms', target: { atMost: 100 }, reference: '12–23 ms' },
    { id: 'version_p50_ms', label: `\`drcon --version\`, spawn → exit, p50 of ${startUpSamples}`, value: percentile(versions, 50), unit: 'ms', target: { atMost: 80 } },
  );

  const { latencies, consulAnswers } = await changeLatencies(consul, log, progress);
  const missed = latencyChanges - latencies.length;
  if (missed > 0) notes.push(`${missed} of ${latencyChanges} changes ran no command within 3 s (left out of the percentiles)`);
  figures.push(
    { id: 'latency_p50_ms', label: `change→command latency p50 (${latencies.length} changes, ${changeSpacingMs} ms apart)`, value: percentile(latencies, 50), unit: 'ms', target: { atMost: 5 }, reference: '3–7 ms' },
    { id: 'latency_p90_ms', label: 'change→command latency p90', value: percentile(latencies, 90), unit: 'ms' },
    { id: 'latency_p99_ms', label: 'change→command latency p99', value: percentile(latencies, 99), unit: 'ms', target: { atMost: 15 }, reference: '9–16 ms' },
    { id: 'latency_max_ms', label: 'change→command latency max', value: maximum(latencies), unit: 'ms' },
  );

  progress('A: where the latency goes (stages measured beside drcon)');
  const writes = await atomicWriteCosts(dir, stageSamples);
  const commands = await commandStartCosts(dir, stageSamples);
  figures.push(
    { id: 'stage_consul_answer_p50_ms', label: '  stage: change returned → Consul answers a blocking query, p50', value: percentile(consulAnswers, 50), unit: 'ms' },
    { id: 'stage_consul_answer_p99_ms', label: '  stage: … p99', value: percentile(consulAnswers, 99), unit: 'ms' },
    { id: 'stage_atomic_write_p50_ms', label: '  stage: atomic write (2 fsyncs) of the output, p50', value: percentile(writes, 50), unit: 'ms' },
    { id: 'stage_atomic_write_p99_ms', label: '  stage: … p99', value: percentile(writes, 99), unit: 'ms' },
    { id: 'stage_held_release_p50_ms', label: '  stage: held shell released → `date` ran (every run after the first), p50', value: percentile(commands.held, 50), unit: 'ms' },
    { id: 'stage_held_release_p99_ms', label: '  stage: … p99', value: percentile(commands.held, 99), unit: 'ms' },
    { id: 'stage_command_start_p50_ms', label: '  stage: shell started afresh → `date` ran (runner, execa; a first run), p50', value: percentile(commands.runner, 50), unit: 'ms' },
    { id: 'stage_bare_spawn_p50_ms', label: '  stage: same with a bare child_process.spawn, p50', value: percentile(commands.bareSpawn, 50), unit: 'ms' },
    { id: 'stage_process_start_p50_ms', label: '  stage: machine floor: one process started by /bin/sh (`date; date`), p50', value: percentile(commands.smallShellStart, 50), unit: 'ms' },
  );

  progress(`A: burst of ${burstChanges} registrations`);
  const burst = await burstOfChanges(consul, log, output);
  figures.push(
    { id: 'burst_command_runs', label: `burst of ${burstChanges} changes: command runs`, value: burst.runs, unit: 'runs', target: { atMost: 8 }, reference: '61–79 runs' },
    { id: 'burst_final_command_ms', label: 'burst: last change returned → command after final render', value: burst.finalCommandMs, unit: 'ms', target: { atMost: 250 } },
    { id: 'burst_changes_ms', label: `burst: time to make the ${burstChanges} changes`, value: burst.changesMs, unit: 'ms' },
  );

  progress(`A: idle for ${idleSeconds} s`);
  const pid = drcon.process.pid!;
  const idleStart = processUsage(pid);
  await sleep(idleSeconds * 1000);
  const idleEnd = processUsage(pid);
  figures.push({ id: 'idle_cpu_percent', label: `idle CPU over ${idleSeconds} s (no changes)`, value: ((idleEnd.cpuMs - idleStart.cpuMs) / (idleSeconds * 1000)) * 100, unit: '%' });

  progress('A: restarting the consul agent');
  const recoveryMs = await recoveryAfterRestart(consul, log, output, drcon);
  figures.push({ id: 'recovery_ms', label: 'recovery: agent restarted (leader back) → new truth rendered, command run', value: recoveryMs, unit: 'ms', target: { atMost: 2000 }, reference: '61–69 s' });

  const end = processUsage(pid);
  figures.push(
    { id: 'rss_mb', label: 'drcon RSS at the end', value: end.rssBytes / 2 ** 20, unit: 'MiB' },
    { id: 'peak_rss_mb', label: 'drcon peak RSS (VmHWM)', value: end.peakRssBytes / 2 ** 20, unit: 'MiB' },
    { id: 'cpu_total_s', label: 'drcon CPU over the whole run (user+system, own)', value: end.cpuMs / 1000, unit: 's' },
    { id: 'children_cpu_s', label: 'CPU of the commands it ran (reaped children)', value: end.childrenCpuMs / 1000, unit: 's' },
  );
  notes.push(
    'command: `date +%s%N >> runs.log` through /bin/sh, so a latency includes starting sh and date (see the bare-spawn stage)',
    'stages: Consul\'s answer is timed by a blocking query of the bench\'s own beside drcon\'s (negative: before the register call returned); the write and command stages run drcon\'s own modules in the bench process, 30 times each',
    'drcon flags: defaults (-min-interval 200ms, no -wait); template: one service, health endpoint, passing instances',
  );
  return { id: 'render', title: 'A. drcon render', figures, notes };
}

/**
 * Alternating register/deregister, `changeSpacingMs` apart: the latency of each in ms, and when
 * a blocking query of the bench's own on the same endpoint was answered (negative: before the
 * HTTP call that made the change returned).
 */
async function changeLatencies(consul: ConsulAgent, log: CommandLog, progress: (message: string) => void) {
  const latencies: number[] = [];
  const consulAnswers: number[] = [];
  const startedAt = performance.now();
  for (let change = 0; change < latencyChanges; change++) {
    if (change % 10 === 0) progress(`A: latency change ${change + 1}/${latencyChanges}`);
    const dueAt = startedAt + change * changeSpacingMs;
    await sleep(Math.max(0, dueAt - performance.now()));
    const clock = anchorWallClock();
    const consulWatch = await watchOnce(consul, `/v1/health/service/${service}?passing=true&stale`, clock);
    const runsBefore = log.runs().length;
    if (change % 2 === 0) await consul.registerService({ ID: 'flip', Name: service, Address: '127.0.0.1', Port: 9000 });
    else await consul.deregisterService('flip');
    const changedAt = clock.nowNs();
    const ranAt = await log.waitForRunAfter(runsBefore, 3_000);
    if (ranAt !== undefined) latencies.push(nsToMs(ranAt - changedAt));
    consulAnswers.push(nsToMs((await consulWatch.answered) - changedAt));
  }
  return { latencies, consulAnswers };
}

interface BurstResult {
  runs: number;
  finalCommandMs: number | undefined;
  changesMs: number;
}

async function burstOfChanges(consul: ConsulAgent, log: CommandLog, output: string): Promise<BurstResult> {
  const runsBefore = log.runs().length;
  const ids = Array.from({ length: burstChanges }, (_, index) => `burst-${index}`);
  const startedAt = performance.now();
  const register = (index: number) => consul.registerService({ ID: ids[index], Name: service, Address: '127.0.0.1', Port: 10_000 + index });
  for (let index = 0; index < burstChanges - 1; index++) await register(index);
  // The last change is timed: the clock is anchored before it, outside the timed step.
  const clock = anchorWallClock();
  await register(burstChanges - 1);
  const lastChangeAt = clock.nowNs();
  const changesMs = performance.now() - startedAt;
  const complete = () => {
    const lines = new Set(readFileSync(output, 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ')[0]));
    return ids.every((id) => lines.has(id));
  };
  await waitFor('final burst state rendered', complete, { timeoutMs: 30_000, intervalMs: 2 });
  const runs = (await log.waitForQuiet(1_500, 30_000)).slice(runsBefore);
  const last = runs.at(-1);
  return { runs: runs.length, finalCommandMs: last === undefined ? undefined : nsToMs(last - lastChangeAt), changesMs };
}

/** Restarts the dev agent (it comes back empty), registers one instance; ms to its command run. */
async function recoveryAfterRestart(consul: ConsulAgent, log: CommandLog, output: string, drcon: RunningDrcon): Promise<number | undefined> {
  await consul.restart(); // resolves once the agent has a leader again
  const clock = anchorWallClock(); // ≤ 1 ms spin, part of the measured time (errs on the slow side)
  const leaderBackAt = clock.nowNs();
  const runsBefore = log.runs().length;
  await consul.registerService({ ID: 'phoenix', Name: service, Address: '127.0.0.1', Port: 7000 });
  await waitFor('new truth rendered after restart', () => readFileSync(output, 'utf8') === 'phoenix 7000\n', { timeoutMs: 90_000, intervalMs: 2 });
  const runs = (await log.waitForQuiet(1_000, 10_000)).slice(runsBefore);
  if (drcon.process.exitCode !== null) throw new Error(`drcon exited during the restart: ${drcon.output().slice(-500)}`);
  const last = runs.at(-1);
  return last === undefined ? undefined : nsToMs(last - leaderBackAt);
}
