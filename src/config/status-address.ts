// Where the status server (GET /health, GET /metrics) listens: "HOST:PORT", or off.
import { isIPv6 } from 'node:net';

export interface StatusAddress {
  /** A host name or an IP address (IPv6 without brackets). */
  host: string;
  /** 0 asks the system for a free port; the one it gave is logged. */
  port: number;
}

/**
 * "127.0.0.1:9600", "0.0.0.0:9600", "[::1]:9600", "localhost:9600" → the address; "" or "off"
 * → 'off'. A port is required: a status server on a guessed port is hard to find.
 */
export function parseStatusAddress(text: string, flag: string): StatusAddress | 'off' {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'off') return 'off';
  const fail = (reason: string): never => {
    throw new Error(`${flag}: invalid address ${JSON.stringify(text)}: ${reason} (expected HOST:PORT, e.g. 127.0.0.1:9600, or off)`);
  };
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(trimmed);
  if (!match) return fail('not HOST:PORT');
  const [, bracketed, plain, portText] = match;
  const host = bracketed ?? plain!;
  if (bracketed !== undefined && !isIPv6(bracketed)) return fail('only an IPv6 address goes in brackets');
  if (!/^[A-Za-z0-9.-]+$/.test(host) && bracketed === undefined) return fail(`${JSON.stringify(host)} is not a host name or address`);
  const port = Number(portText);
  if (port > 65535) return fail('the port is above 65535');
  return { host, port };
}

export function formatStatusAddress(address: StatusAddress): string {
  return isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
