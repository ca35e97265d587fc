// Memory and CPU of a running process, from /proc (Linux).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessUsage {
  rssBytes: number;
  /** Peak resident set size (VmHWM). */
  peakRssBytes: number;
  /** User + system CPU of the process itself. */
  cpuMs: number;
  /** User + system CPU of its children that it has waited for (commands, nginx -t). */
  childrenCpuMs: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

export function processUsage(pid: number): ProcessUsage {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  // Fields after the command name, which is in parentheses and may contain spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14–17 of stat, i.e. 11–14 after the name and state.
  const ticks = (index: number) => Number(fields[index]);
  const msPerTick = 1000 / clockTicks();
  return {
    rssBytes: kib('VmRSS'),
    peakRssBytes: kib('VmHWM'),
    cpuMs: (ticks(11) + ticks(12)) * msPerTick,
    childrenCpuMs: (ticks(13) + ticks(14)) * msPerTick,
  };
}

/**
 * The floor under any Node program's memory: the peak RSS of a Node process that runs nothing (the
 * same binary drcon runs on), read from its own /proc entry as it ends.
 */
export function bareNodePeakRssBytes(): number {
  const script = "process.stdout.write(/^VmHWM:\\s+(\\d+) kB/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1])";
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return Number(result.stdout) * 1024;
}
