// Starts a real Consul agent (`-dev`, or a persistent single server) on free loopback ports for one
// test file, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './ports.ts';
import { waitFor } from './wait.ts';

export interface ConsulAgent {
  /** "127.0.0.1:PORT" of the HTTP API. */
  readonly address: string;
  readonly url: string;
  readonly logs: () => string;
  /** PUT/GET/DELETE against the agent's HTTP API; throws on a non-2xx answer. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<unknown>;
  registerService(service: Record<string, unknown>): Promise<void>;
  deregisterService(id: string): Promise<void>;
  putKey(key: string, value: string): Promise<void>;
  deleteKey(key: string, recurse?: boolean): Promise<void>;
  /** Stops the agent (SIGKILL when `hard`), as an outage. */
  stop(hard?: boolean): Promise<void>;
  /**
   * Starts it again on the same ports: a dev agent comes back empty, with its index reset; a
   * persistent one comes back with its catalog, registrations and index.
   */
  restart(): Promise<void>;
  /** Stops it for good and removes the directories it made. */
  destroy(): Promise<void>;
}

export interface ConsulAgentOptions {
  bind?: string;
  extraArgs?: string[];
  /** Files to write into a config dir passed with -config-dir (name → HCL/JSON content). */
  config?: Record<string, string>;
  /** Headers (e.g. an ACL token) that `api` sends on every call. */
  headers?: Record<string, string>;
  /**
   * A single server with a data directory (`-server -bootstrap-expect=1`) instead of `-dev`: like
   * a production agent, it keeps its catalog, its own registrations and its index over a restart.
   */
  persistent?: boolean;
}

export async function startConsul(options: ConsulAgentOptions = {}): Promise<ConsulAgent> {
  const bind = options.bind ?? '127.0.0.1';
  const [http, dns, serfLan, serfWan, server, grpc] = await freePorts(6, bind);
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'drcon-consul-'));
    dirs.push(dir);
    return dir;
  };
  // A fast Raft (as -dev has) keeps a persistent server's start and restart to about a second.
  const mode = options.persistent
    ? ['-server', '-bootstrap-expect=1', `-data-dir=${tempDir()}`, '-hcl=performance { raft_multiplier = 1 }']
    : ['-dev'];
  const args = [
    'agent', ...mode, `-bind=${bind}`, `-client=${bind}`, `-node=drcon-test-${http}`,
    `-http-port=${http}`, `-dns-port=${dns}`, `-serf-lan-port=${serfLan}`,
    `-serf-wan-port=${serfWan}`, `-server-port=${server}`, `-grpc-port=${grpc}`,
    '-log-level=warn', ...(options.extraArgs ?? []),
  ];
  if (options.config) {
    const dir = tempDir();
    for (const [name, content] of Object.entries(options.config)) writeFileSync(join(dir, name), content);
    args.push(`-config-dir=${dir}`);
  }
  const address = `${bind}:${http}`;
  const url = `http://${address}`;
  let output = '';
  let child: ChildProcess | undefined;

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(url + path, {
      method,
      headers: { ...options.headers, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`consul ${method} ${path}: ${response.status} ${text}`);
    return text.length > 0 && text.trimStart().match(/^[[{]/) ? JSON.parse(text) : text;
  };

  const start = async () => {
    child = spawn('consul', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = once(child, 'exit');
    await Promise.race([
      waitFor('consul leader', async () => {
        const response = await fetch(`${url}/v1/status/leader`);
        const leader = await response.text();
        return leader.length > 4 ? true : undefined;
      }, { timeoutMs: 30_000 }),
      exited.then(([code]) => { throw new Error(`consul exited with ${code}: ${output}`); }),
    ]);
    // The dev agent registers itself as service "consul"; wait until its node is in the catalog.
    await waitFor('consul node in catalog', async () => {
      const nodes = (await api('GET', '/v1/catalog/nodes')) as unknown[];
      return nodes.length > 0 ? true : undefined;
    });
  };

  const stop = async (hard = false) => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, 'exit');
    current.kill(hard ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => current.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    address, url, api,
    logs: () => output,
    registerService: async (service) => { await api('PUT', '/v1/agent/service/register', service); },
    deregisterService: async (id) => { await api('PUT', `/v1/agent/service/deregister/${encodeURIComponent(id)}`); },
    putKey: async (key, value) => { await api('PUT', `/v1/kv/${key}`, value); },
    deleteKey: async (key, recurse = false) => { await api('DELETE', `/v1/kv/${key}${recurse ? '?recurse' : ''}`); },
    stop,
    restart: async () => { await stop(); await start(); },
    destroy: async () => {
      await stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
