// How many TCP connections a process holds to a port right now, from the OS socket table
// (Linux): the socket inodes among /proc/PID/fd, matched against the established rows of
// /proc/net/tcp{,6} whose remote port is the one asked about. Sampled on a timer, it gives the
// peak over a run.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export function connectionsTo(pid: number, remotePort: number): number {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0; // the process is gone
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed between the listing and the read
    }
  }
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl, local_address, rem_address, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode
      const remote = fields[2];
      const inode = fields[9];
      // Established only: a socket the other side has closed (CLOSE_WAIT) holds no agent connection.
      if (remote === undefined || inode === undefined || fields[3] !== '01' || !inodes.has(inode)) continue;
      if (Number.parseInt(remote.split(':')[1] ?? '', 16) === remotePort) count += 1;
    }
  }
  return count;
}

export interface SocketSampler {
  /** Highest count seen since the last `resetPeak`. */
  readonly peak: number;
  readonly samples: number;
  resetPeak(): void;
  stop(): void;
}

export function sampleConnections(pid: number, remotePort: number, everyMs: number): SocketSampler {
  let peak = 0;
  let samples = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, connectionsTo(pid, remotePort));
    samples += 1;
  }, everyMs);
  return {
    get peak() {
      return peak;
    },
    get samples() {
      return samples;
    },
    resetPeak: () => {
      peak = 0;
    },
    stop: () => clearInterval(timer),
  };
}
