// The workers a killed Nginx master leaves behind. Nginx's workers outlive a master that dies
// without stopping them (kill -9, the OOM killer): they keep the listening sockets, so a new
// master cannot bind them, and keep serving the configuration (and peer lists) of the dead one.
// drcon finds them by their stdout, the FIFO it gave the master (nginx-stdout.ts), which no other
// process has: another drcon's Nginx has its own, `nginx -t` writes to /dev/null.
import { readdir, readlink, realpath } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long the orphans may finish the requests they are serving before they are killed. */
const drainMs = 2_000;
const pollMs = 20;

/** The pids of the processes whose stdout is `stdoutPath`. */
export async function processesWritingTo(path: string): Promise<number[]> {
  return writersOf(await realPath(path));
}

/** /proc names a process's files by their real path, symbolic links resolved. */
async function realPath(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

async function writersOf(stdoutPath: string): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => []);
  const found: number[] = [];
  await Promise.all(entries.map(async (entry) => {
    if (/^\d+$/.test(entry) && (await writesTo(Number(entry), stdoutPath))) found.push(Number(entry));
  }));
  return found;
}

/** False once the process is gone, a zombie (no files left) or its pid taken by another one. */
async function writesTo(pid: number, stdoutPath: string): Promise<boolean> {
  return (await readlink(`/proc/${pid}/fd/1`).catch(() => undefined)) === stdoutPath;
}

/**
 * Ends the workers a dead master left: a graceful stop (SIGQUIT: they close their listening
 * sockets at once and finish the requests in progress), SIGKILL for those still there after
 * `drainMs`. Resolves once none is left; returns how many there were.
 */
export async function endOrphanedWorkers(path: string): Promise<number> {
  const stdoutPath = await realPath(path);
  const orphans = await writersOf(stdoutPath);
  if (orphans.length === 0) return 0;
  signal(orphans, 'SIGQUIT');
  const deadline = Date.now() + drainMs;
  let left = orphans;
  while (left.length > 0) {
    await sleep(pollMs);
    const still = await Promise.all(left.map((pid) => writesTo(pid, stdoutPath)));
    left = left.filter((_pid, index) => still[index]);
    if (Date.now() >= deadline) signal(left, 'SIGKILL');
  }
  return orphans.length;
}

function signal(pids: readonly number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // gone already
    }
  }
}
