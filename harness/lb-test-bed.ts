// What the `drcon lb` test files share: one Consul dev agent for the file, a directory that Nginx
// workers (another user when the tests run as root) can pass through, backends, and everything
// to stop once the file's tests are over, last started first stopped.
import { after, before } from 'node:test';
import { chmodSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { createServer as createNetServer } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { startBackend, type Backend } from './backend.ts';
import { startConsul, type ConsulAgent } from './consul.ts';
import type { RunningDrcon } from './drcon.ts';
import { waitFor } from './wait.ts';

/** What every lb test needs of a `drcon lb` it started. */
export interface LbUnderTest {
  drcon: RunningDrcon;
  port: number;
  dir: string;
  get(path?: string): Promise<{ status: number; body: string }>;
}

/**
 * A GET through the balancer listening on 127.0.0.1:`port`, the body trimmed, on a kept-alive
 * connection (requests one after another reuse one): it stays with one worker, so during a
 * reload the answers move from the old configuration to the new once. An old worker closes its
 * idle connections as it goes, and a request sent on one at that moment is lost before any
 * answer; HTTP lets a client send such a request again, as browsers do, so it is sent again
 * once, on a new connection, which only a new worker accepts.
 */
export function lbGetter(port: number, agent = new Agent({ keepAlive: true })): LbUnderTest['get'] {
  const get = (path: string, retried: boolean): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const sent = request({ host: '127.0.0.1', port, path, agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: body.trim() }));
        response.on('error', reject);
      });
      sent.on('error', (error) => (sent.reusedSocket && !retried ? resolve(get(path, true)) : reject(error)));
      sent.end();
    });
  return (path = '/') => get(path, false);
}

/**
 * Waits for the balancer's first answer (`probe` succeeding); when it never comes, the error
 * carries what drcon printed, which says why (a port taken, Nginx failing to start).
 */
export async function waitForServing<T>(drcon: RunningDrcon, probe: () => Promise<T>, intervalMs = 25): Promise<T> {
  try {
    return await waitFor('nginx serving', probe, { intervalMs });
  } catch (error) {
    const said = drcon.output().trimEnd().split('\n').slice(-30).join('\n');
    throw new Error(`${(error as Error).message}\ndrcon printed (last lines):\n${said}`);
  }
}

export interface LbTestBed {
  /** The agent, once the file's `before` has started it. */
  readonly consul: ConsulAgent;
  readonly root: string;
  /** Stops or removes something after the file's tests. */
  defer(cleanup: () => Promise<unknown>): void;
  /** A backend answering with its name, closed after the file's tests. */
  backend(name: string): Promise<Backend>;
  /** The same on the IPv6 loopback, or undefined when this machine has none. */
  ipv6Backend(name: string): Promise<Backend | undefined>;
}

/** Call at the top of a test file: it adds the file's `before` and `after`. */
export function lbTestBed(prefix: string): LbTestBed {
  let consul: ConsulAgent | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  const root = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(root, 0o711);
  before(async () => {
    consul = await startConsul();
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await consul?.stop();
  });
  return {
    get consul() {
      if (consul === undefined) throw new Error('the Consul agent starts in the test file\'s before()');
      return consul;
    },
    root,
    defer: (cleanup) => cleanups.push(cleanup),
    async backend(name) {
      const server = await startBackend(name);
      cleanups.push(() => server.close());
      return server;
    },
    async ipv6Backend(name) {
      // Asked first: a free port is looked for until one binds, which no port would.
      if (!(await hasIpv6Loopback())) return undefined;
      const server = await startBackend(name, '::1');
      cleanups.push(() => server.close());
      return server;
    },
  };
}

async function hasIpv6Loopback(): Promise<boolean> {
  const probe = createNetServer();
  try {
    probe.listen(0, '::1');
    await once(probe, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}
