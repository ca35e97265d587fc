// HTTP load for throughput figures: wrk when it is installed (or can be, from Debian's packages),
// otherwise a Node loop over undici keep-alive connections. Loopback targets only; every run is
// bounded in time.
import { spawn, spawnSync } from 'node:child_process';
import { Pool } from 'undici';
import type { BenchContext } from './mode.ts';

export interface LoadResult {
  requestsPerSecond: number;
  requests: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers that were not 2xx/3xx. */
  badStatus: number;
  p50Ms?: number;
  p99Ms?: number;
}

export interface LoadTool {
  /** Says what made the load, for the report. */
  readonly description: string;
  run(url: string, seconds: number): Promise<LoadResult>;
}

const connections = 32;

export async function loadTool(context: BenchContext): Promise<LoadTool> {
  if (!hasWrk() && context.allowInstall) installWrk(context);
  if (hasWrk()) return wrk;
  context.progress('wrk not available; using the Node load loop');
  return nodeLoop;
}

function hasWrk(): boolean {
  return spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
}

function installWrk(context: BenchContext): void {
  context.progress('wrk is missing: installing the Debian package wrk with apt-get');
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (...args: string[]) => {
    const [command, ...rest] = [...asRoot, 'apt-get', ...args];
    return spawnSync(command!, rest, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  };
  if (apt('install', '-y', '-qq', '--no-install-recommends', 'wrk')) return;
  // The package lists may be missing or stale on a fresh machine.
  if (apt('update', '-qq') && apt('install', '-y', '-qq', '--no-install-recommends', 'wrk')) return;
  context.progress('could not install wrk');
}

const wrk: LoadTool = {
  description: `wrk, 2 threads, ${connections} keep-alive connections`,
  async run(url, seconds) {
    const child = spawn('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
    if (code !== 0 || !rps) throw new Error(`wrk failed (${code}): ${output.trim().split('\n').at(-1)}`);
    const count = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0);
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
    return {
      requestsPerSecond: Number(rps[1]),
      requests: count(/(\d+) requests in/),
      errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
      badStatus: count(/Non-2xx or 3xx responses: (\d+)/),
      p50Ms: wrkLatency(output, '50%'),
      p99Ms: wrkLatency(output, '99%'),
    };
  },
};

/** A line of wrk's --latency distribution, e.g. "     99%    2.31ms", in ms. */
function wrkLatency(output: string, quantile: string): number | undefined {
  const match = new RegExp(`^\\s*${quantile}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
  if (!match) return undefined;
  const scale = { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
  return Number(match[1]) * scale;
}

const nodeLoop: LoadTool = {
  description: `Node load loop (undici Pool, ${connections} keep-alive connections)`,
  async run(url, seconds) {
    const target = new URL(url);
    const pool = new Pool(target.origin, { connections });
    const deadline = performance.now() + seconds * 1000;
    let requests = 0;
    let errors = 0;
    let badStatus = 0;
    const started = performance.now();
    const worker = async () => {
      while (performance.now() < deadline) {
        try {
          const response = await pool.request({ path: target.pathname, method: 'GET' });
          await response.body.dump();
          requests += 1;
          if (response.statusCode >= 400) badStatus += 1;
        } catch {
          errors += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    const elapsedS = (performance.now() - started) / 1000;
    await pool.close();
    return { requestsPerSecond: requests / elapsedS, requests, errors, badStatus };
  },
};
