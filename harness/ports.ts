// Free TCP ports on loopback, for test processes that must not collide with each other.
// Ports come from below the kernel's ephemeral range: a port there is never the local end of an
// outgoing connection, so it cannot be taken between "found free" and "bound" by some client.
// A random start spreads parallel test files apart; each candidate is checked by binding it.
// Test files run in processes of their own, and a port one of them handed out may be free for a
// while (a process between its stop and its start again): every port handed out is claimed in a
// file naming the process, which the others skip while that process lives.
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from './processes.ts';

const lowest = 10_000;
const ephemeralLow = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
})();
const handedOut = new Set<number>();
const claims = join(tmpdir(), 'drcon-test-ports');

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Claims `port` for this process; false when a live test process holds it. */
function claim(port: number): boolean {
  const file = join(claims, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(readFileSync(file, 'utf8'));
  // A claim left by a process that ended: removed for later picks, this one looks elsewhere.
  if (!(holder > 0 && isAlive(holder))) rmSync(file, { force: true });
  return false;
}

/** Once a process: the directory of claims, and this process's claims removed as it exits. */
let claimsReady = false;
function prepareClaims(): void {
  if (claimsReady) return;
  claimsReady = true;
  mkdirSync(claims, { recursive: true, mode: 0o1777 });
  process.on('exit', () => {
    for (const port of handedOut) rmSync(join(claims, String(port)), { force: true });
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  prepareClaims();
  for (;;) {
    const port = lowest + Math.floor(Math.random() * (ephemeralLow - lowest));
    if (handedOut.has(port) || !claim(port)) continue;
    handedOut.add(port);
    if (await canBind(port, host)) return port;
  }
}

export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) ports.push(await freePort(host));
  return ports;
}
