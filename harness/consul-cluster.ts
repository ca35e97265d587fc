// A real three-server Consul cluster (and optionally one client agent) for fault tests: every
// agent on its own loopback address (Linux routes all of 127/8 to lo), with its own data
// directory, so a killed server comes back with its state and rejoins, as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './ports.ts';
import { waitFor } from './wait.ts';

export interface ClusterAgent {
  /** Node name. */
  readonly node: string;
  readonly host: string;
  /** "HOST:PORT" of the HTTP API. */
  readonly address: string;
  readonly url: string;
  /** "HOST:PORT" of the server RPC port, as /v1/status/leader names the leader; undefined for a client. */
  readonly serverAddress: string | undefined;
  readonly running: boolean;
  logs(): string;
  /** SIGKILL: the agent vanishes without leaving the cluster. */
  kill(): Promise<void>;
  /** Starts it (again, with its data); resolves once it knows a leader. */
  start(): Promise<void>;
}

export interface ConsulCluster {
  readonly servers: readonly ClusterAgent[];
  /** The client agent, when one was asked for. */
  readonly client: ClusterAgent | undefined;
  /** The current leader, as a running agent sees it; waits through an election. */
  leader(timeoutMs?: number): Promise<ClusterAgent>;
  /** PUT/GET against a running agent (the client first); throws on a non-2xx answer. */
  api(method: string, path: string, body?: unknown): Promise<unknown>;
  /** Registers with the client agent (or the first running server): the instance lives on its node. */
  registerService(service: Record<string, unknown>): Promise<void>;
  /** Kills every agent and removes their data. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Loopback addresses of the servers; default 127.0.0.2, .3 and .4. */
  serverHosts?: string[];
  /** Loopback address of a client agent; default 127.0.0.5; false for none. */
  clientHost?: string | false;
}

interface AgentPorts {
  http: number;
  serfLan: number;
  serfWan: number;
  server: number;
}

export async function startConsulCluster(options: ClusterOptions = {}): Promise<ConsulCluster> {
  const serverHosts = options.serverHosts ?? ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
  const clientHost = options.clientHost === undefined ? '127.0.0.5' : options.clientHost;
  const root = mkdtempSync(join(tmpdir(), 'drcon-cluster-'));
  const ports = async (host: string): Promise<AgentPorts> => {
    const [http, serfLan, serfWan, server] = await freePorts(4, host);
    return { http: http!, serfLan: serfLan!, serfWan: serfWan!, server: server! };
  };
  const serverPorts = await Promise.all(serverHosts.map(ports));
  const joins = serverHosts.map((host, i) => `-retry-join=${host}:${serverPorts[i]!.serfLan}`);

  const agent = (host: string, agentPorts: AgentPorts, role: 'server' | 'client'): ClusterAgent => {
    const node = `drcon-${role}-${host.replaceAll('.', '-')}-${agentPorts.http}`;
    const dataDir = join(root, node);
    const args = [
      'agent', `-node=${node}`, `-data-dir=${dataDir}`, `-bind=${host}`, `-client=${host}`,
      `-http-port=${agentPorts.http}`, '-dns-port=-1', `-serf-lan-port=${agentPorts.serfLan}`,
      `-serf-wan-port=${agentPorts.serfWan}`, `-server-port=${agentPorts.server}`,
      '-retry-interval=1s', '-log-level=info', ...joins,
      // Raft timing as fast as -dev's: an election takes about a second, not five.
      '-hcl=performance { raft_multiplier = 1 }',
      ...(role === 'server' ? ['-server', `-bootstrap-expect=${serverHosts.length}`] : []),
    ];
    const url = `http://${host}:${agentPorts.http}`;
    let child: ChildProcess | undefined;
    let output = '';
    return {
      node,
      host,
      address: `${host}:${agentPorts.http}`,
      url,
      serverAddress: role === 'server' ? `${host}:${agentPorts.server}` : undefined,
      get running() {
        return child !== undefined;
      },
      logs: () => output,
      async kill() {
        const current = child;
        child = undefined;
        if (!current || current.exitCode !== null || current.signalCode !== null) return;
        const exited = once(current, 'exit');
        current.kill('SIGKILL');
        await exited;
      },
      async start() {
        if (child) return;
        const started = spawn('consul', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        child = started;
        started.stdout!.on('data', (d) => (output += d));
        started.stderr!.on('data', (d) => (output += d));
        const exited = once(started, 'exit').then(([code]) => {
          if (child === started) child = undefined;
          throw new Error(`consul ${node} exited with ${code}: ${output.slice(-2000)}`);
        });
        exited.catch(() => undefined);
        await Promise.race([
          waitFor(`a leader known to ${node}`, async () => (await leaderAddress(url)) ?? undefined, { timeoutMs: 60_000 }),
          exited,
        ]);
      },
    };
  };

  const servers = serverHosts.map((host, i) => agent(host, serverPorts[i]!, 'server'));
  const client = clientHost === false ? undefined : agent(clientHost, await ports(clientHost), 'client');
  const all = client ? [...servers, client] : servers;

  const running = () => {
    const agents = all.filter((member) => member.running);
    if (agents.length === 0) throw new Error('no Consul agent of the cluster is running');
    return client?.running ? client : agents[0]!;
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(running().url + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`consul ${method} ${path}: ${response.status} ${text}`);
    return text.length > 0 && /^[[{]/.test(text.trimStart()) ? JSON.parse(text) : text;
  };
  const stop = async () => {
    await Promise.all(all.map((member) => member.kill()));
    rmSync(root, { recursive: true, force: true });
  };

  try {
    await Promise.all(all.map((member) => member.start()));
    // Every agent is in the catalog once the leader has reconciled the members.
    await waitFor('every agent in the catalog', async () => {
      const nodes = (await api('GET', '/v1/catalog/nodes')) as unknown[];
      return nodes.length === all.length || undefined;
    }, { timeoutMs: 30_000 });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    servers,
    client,
    async leader(timeoutMs = 30_000) {
      return waitFor('a cluster leader', async () => {
        const leader = await leaderAddress(running().url);
        return servers.find((server) => server.running && server.serverAddress === leader);
      }, { timeoutMs });
    },
    api,
    registerService: async (service) => {
      await api('PUT', '/v1/agent/service/register', service);
    },
    stop,
  };
}

/** The leader's "HOST:PORT" as this agent knows it, or undefined while it knows none. */
async function leaderAddress(url: string): Promise<string | undefined> {
  const response = await fetch(`${url}/v1/status/leader`, { signal: AbortSignal.timeout(2_000) });
  const leader = (await response.json()) as string;
  return leader === '' ? undefined : leader;
}
