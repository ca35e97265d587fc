// Registrator's check settings (SERVICE_CHECK_*) as Consul checks, each value checked first: a
// bad one is a warning and the check is left out, the service is still registered.
import { parseDuration } from '../config/duration.ts';
import type { ServiceCheck } from './consul-registration.ts';
import type { PortMetadata } from './service-metadata.ts';

/** Registrator's interval when none is given. */
const defaultInterval = '10s';
const kinds = ['http', 'https', 'tcp', 'ttl'] as const;
const modifiers = ['interval', 'timeout', 'initial_status', 'deregister_after'];
const statuses = ['passing', 'warning', 'critical'] as const;

export interface ChecksResult {
  checks: ServiceCheck[];
  /** "SERVICE_CHECK_INTERVAL: …" lines, without the container. */
  warnings: string[];
}

/** The check of one service at `address:port`, from its settings. */
export function serviceChecks(metadata: PortMetadata, address: string, port: number): ChecksResult {
  const warnings: string[] = [];
  const source = (setting: string) => metadata.sources.get(setting) ?? `SERVICE_${setting.toUpperCase()}`;
  const value = (setting: string) => metadata.values.get(setting);
  for (const setting of metadata.values.keys()) {
    if (!setting.startsWith('check_')) continue;
    const name = setting.slice('check_'.length);
    if (!(kinds as readonly string[]).includes(name) && !modifiers.includes(name)) {
      warnings.push(`${source(setting)}: unknown check kind "${name}" (known: ${[...kinds, ...modifiers].join(', ')}); it is ignored`);
    }
  }
  const given = kinds.filter((kind) => value(`check_${kind}`) !== undefined);
  if (given.length === 0) return { checks: [], warnings };
  if (given.length > 1) warnings.push(`${source(`check_${given[1]}`)}: only one check kind per service; ${source(`check_${given[0]}`)} is used`);
  const kind = given[0]!;
  const reject = (setting: string, why: string): ChecksResult => ({
    checks: [],
    warnings: [...warnings, `${source(setting)}: ${why}; the service is registered without a check`],
  });

  const check: ServiceCheck = { Name: `${kind.toUpperCase()} check from ${source(`check_${kind}`)}` };
  const target = value(`check_${kind}`)!;
  const host = address.includes(':') ? `[${address}]` : address;
  if (kind === 'http' || kind === 'https') {
    if (!/^\/[\x21-\x7e]*$/.test(target)) return reject(`check_${kind}`, `expected a path starting with "/", got ${JSON.stringify(target)}`);
    check.HTTP = `${kind}://${host}:${port}${target}`;
  } else if (kind === 'tcp') {
    check.TCP = `${host}:${port}`;
  }
  for (const [setting, field] of [['check_ttl', 'TTL'], ['check_interval', 'Interval'], ['check_timeout', 'Timeout'], ['check_deregister_after', 'DeregisterCriticalServiceAfter']] as const) {
    const text = value(setting);
    if (text === undefined || (setting === 'check_ttl' && kind !== 'ttl')) continue;
    try {
      if (parseDuration(text) <= 0) return reject(setting, `${JSON.stringify(text)} is not a positive duration`);
    } catch (error) {
      return reject(setting, (error as Error).message);
    }
    check[field] = text;
  }
  if (kind !== 'ttl') check.Interval ??= defaultInterval;
  const status = value('check_initial_status');
  if (status !== undefined) {
    if (!(statuses as readonly string[]).includes(status)) return reject('check_initial_status', `expected ${statuses.join(', ')}, got ${JSON.stringify(status)}`);
    check.Status = status as ServiceCheck['Status'];
  }
  return { checks: [check], warnings };
}
