// What processes exist, read from /proc (Linux): tests assert that drcon leaves none of
// its children behind, which needs more than `kill -0` of one pid (zombies count as gone).
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessEntry {
  pid: number;
  parent: number;
  group: number;
}

function readProcess(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const [state, parent, group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' || state === 'X') return undefined;
    return { pid, parent: Number(parent), group: Number(group) };
  } catch {
    return undefined; // gone between readdir and read
  }
}

function allProcesses(): ProcessEntry[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((entry) => entry !== undefined);
}

/** Whether `pid` is a live process (a zombie is not). */
export function isAlive(pid: number): boolean {
  return readProcess(pid) !== undefined;
}

/** Live descendants of `pid` (children, their children, …). */
export function descendantsOf(pid: number): number[] {
  const all = allProcesses();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const entry of all) {
      if (entry.parent === parent && !found.includes(entry.pid)) {
        found.push(entry.pid);
        queue.push(entry.pid);
      }
    }
  }
  return found;
}

/** Live members of process group `group`. */
export function processGroupMembers(group: number): number[] {
  return allProcesses().filter((entry) => entry.group === group).map((entry) => entry.pid);
}

/** Live processes whose command line contains `text`, with that command line (NULs as spaces). */
export function processesWith(text: string): { pid: number; commandLine: string }[] {
  const found: { pid: number; commandLine: string }[] = [];
  for (const { pid } of allProcesses()) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(text)) found.push({ pid, commandLine });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
