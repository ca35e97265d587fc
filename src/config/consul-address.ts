// Turns an agent address as people write it into the origin the HTTP client connects to.
import { isIPv4, isIPv6 } from 'node:net';

/** The agent's default HTTP port, used when an address without a scheme names no port. */
export const defaultConsulPort = 8500;

const label = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?$/;

/** A DNS name, or a dotted-quad IPv4 address (URL parsing would read "1.2.3" as 1.2.0.3). */
function isHostName(host: string): boolean {
  const labels = host.split('.');
  if (/^(\d+|0x[0-9a-f]*)$/i.test(labels.at(-1)!)) return isIPv4(host);
  return labels.every((part) => label.test(part));
}

/**
 * "host", "host:port", "[::1]:8500", "http://host:port" or "https://host:port" → an origin such
 * as "http://host:8500". Without a scheme the port defaults to 8500; with one, an address is a
 * URL and keeps that scheme's own default port (as Consul's own tools read CONSUL_HTTP_ADDR).
 */
export function parseConsulAddress(address: string): string {
  function fail(reason: string): never {
    throw new Error(`invalid Consul address ${JSON.stringify(address)}: ${reason}`);
  }
  const text = address.trim();
  if (text === '') fail('it is empty');

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    fail(`scheme "${scheme}" is not supported (use http or https)`);
  }
  const authority = scheme === undefined ? text : text.slice(scheme.length + 3).replace(/\/$/, '');
  if (/[/?#@\s]/.test(authority)) fail('expected host[:port] with no path, query or user');

  // Split host and port by hand: an unbracketed IPv6 address ("::1") is ambiguous and refused.
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::([^:]*))?$/.exec(authority);
  if (!match) fail('an IPv6 address must be in brackets, as in "[::1]:8500"');
  const [, host = '', port] = match;

  if (host.startsWith('[')) {
    if (!isIPv6(host.slice(1, -1))) fail(`"${host}" is not an IPv6 address`);
  } else if (!isHostName(host)) {
    fail(host === '' ? 'the host is missing' : `"${host}" is not a host name or IP address`);
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) fail(`port "${port}" is not a number`);
  const portNumber = port === undefined ? undefined : Number(port);
  if (portNumber !== undefined && (portNumber < 1 || portNumber > 65535)) {
    fail(`port ${portNumber} is out of range 1-65535`);
  }

  const effectivePort = portNumber ?? (scheme === undefined ? defaultConsulPort : undefined);
  const url = new URL(`${scheme ?? 'http'}://${host}${effectivePort === undefined ? '' : `:${effectivePort}`}`);
  return url.origin;
}
