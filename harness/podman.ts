// Podman for drcon register's tests: the real Docker-compatible API (`podman system service`) on a
// socket of the test's own, and real containers of a tiny backend image. Podman is set up (and
// installed when missing) by test/container/run.sh, in its private store, as the container test does.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { waitFor } from './wait.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = process.env.CTR_WORK ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'drcon-container');
const env = { ...process.env, CONTAINERS_STORAGE_CONF: join(work, 'storage.conf'), CONTAINERS_CONF: join(work, 'containers.conf') };
export const backendImage = 'localhost/drcon-test-backend:latest';
const run = promisify(execFile);

/** Installs podman if missing and builds the backend image (test/register-containers/backend). */
export async function prepareBackendImage(): Promise<void> {
  await run('bash', [join(root, 'test/container/run.sh'), 'backend'], { env, timeout: 15 * 60_000 });
}

/** The tools podman needs that are not installed here (test/container/run.sh installs them). */
export function missingPodmanTools(): string[] {
  const onPath = (tool: string) => (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return ['podman', 'runc'].filter((tool) => !onPath(tool));
}

/** Whether the backend image is in the private store. */
export async function backendImageExists(): Promise<boolean> {
  return podman('image', 'exists', backendImage).then(() => true, () => false);
}

export async function podman(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('podman', args, { env, timeout: 120_000, maxBuffer: 16 << 20 });
    return stdout.trim();
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`podman ${args.join(' ')}: ${(stderr ?? (error as Error).message).trim().split('\n').at(-1)}`);
  }
}

export interface PodmanApi {
  /** unix:///…/docker.sock, for -docker-host. */
  readonly dockerHost: string;
  /** Stops the API service (containers keep running: podman has no daemon). */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPodmanApi(): Promise<PodmanApi> {
  const dir = mkdtempSync(join(tmpdir(), 'drcon-podman-'));
  const socket = join(dir, 'docker.sock');
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { env, stdio: 'ignore' });
    const dispatcher = new Agent({ connect: { socketPath: socket } });
    try {
      await waitFor('podman API', async () => {
        const answer = await request('http://docker/_ping', { dispatcher });
        return (await answer.body.text()) === 'OK';
      }, { timeoutMs: 30_000 });
    } finally {
      await dispatcher.close();
    }
  };
  const stop = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, 'exit');
    current.kill('SIGTERM');
    // It may wait for clients (a drcon register's event stream) before it exits.
    const timer = setTimeout(() => current.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    dockerHost: `unix://${socket}`,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BackendOptions {
  /** Environment variables (SERVICE_* among them). */
  env?: Record<string, string>;
  labels?: Record<string, string>;
  /** Container ports published on 127.0.0.1 (each on a free host port); default [80]. */
  publish?: { container: number; host: number }[];
  name?: string;
  /** false: the image's HEALTHCHECK is disabled (`--no-healthcheck`). With no systemd here to time
   * the checks, a container of the image stays "starting", which drcon register makes critical. */
  healthcheck?: boolean;
}

/** Backend containers, all labelled with this run's id and removed by `removeAll`. */
export class Backends {
  readonly #label: string;

  /** `labelName` marks this run's containers (its value is unique to the run). */
  constructor(labelName = 'drcon-register-test') {
    this.#label = `${labelName}=${process.pid}-${Date.now()}`;
  }

  /** Starts one; resolves to its id once started (not necessarily answering yet). */
  async run(options: BackendOptions = {}): Promise<string> {
    const args = ['run', '-d', '--pull=never', '--label', this.#label];
    if (options.name) args.push('--name', options.name);
    if (options.healthcheck === false) args.push('--no-healthcheck');
    for (const [key, value] of Object.entries(options.env ?? {})) args.push('-e', `${key}=${value}`);
    for (const [key, value] of Object.entries(options.labels ?? {})) args.push('--label', `${key}=${value}`);
    for (const { container, host } of options.publish ?? []) args.push('-p', `127.0.0.1:${host}:${container}`);
    const ports = (options.publish ?? []).map((port) => port.container);
    if (ports.length > 0) args.push('-e', `PORTS=${[...new Set(ports)].join(',')}`);
    args.push(backendImage);
    return (await podman(...args)).split('\n').at(-1)!;
  }

  async removeAll(): Promise<void> {
    const ids = (await podman('ps', '-aq', '--filter', `label=${this.#label}`)).split('\n').filter(Boolean);
    if (ids.length > 0) await podman('rm', '-f', '-t', '0', ...ids);
  }
}
