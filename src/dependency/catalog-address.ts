// Catalog data ends up inside Nginx directives (`server {{Address}}:{{Port}};`). Escaping keeps a
// hostile value inert, but an upstream pointing at garbage is still wrong, so entries whose
// address or port is not one are left out of the data altogether.
import { isIP } from 'node:net';

const hostLabel = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** An IPv4/IPv6 address or a DNS host name (underscores allowed: common in internal names). */
export function isAddress(text: string): boolean {
  if (isIP(text) !== 0) return true;
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => hostLabel.test(label));
}

export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535;
}
