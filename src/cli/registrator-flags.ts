// Registrator's number flags: whole numbers in the flag's own unit (seconds for -resync and
// -ttl, milliseconds for -retry-interval), a Go duration read too. Each bad value is one line
// naming the flag.
import { maxDurationMs, parseDuration } from '../config/duration.ts';
import { UsageError } from './usage-error.ts';

/** Milliseconds in `text`, given in `unitMs` units or as a duration. */
export function registratorDuration(text: string, flag: string, unitMs: number): number {
  let ms: number;
  if (/^\d+$/.test(text.trim())) ms = Number(text) * unitMs;
  else {
    try {
      ms = parseDuration(text.trim(), flag);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (ms > maxDurationMs) throw new UsageError(`${flag}: ${JSON.stringify(text)} is longer than ${maxDurationMs} ms`);
  return ms;
}

export interface TtlSettings {
  /** The TTL of the check each service gets. */
  ttlMs: number;
  /** How often register passes those checks again. */
  refreshMs: number;
}

/**
 * -ttl and -ttl-refresh (seconds, as Registrator has them): both or neither, the refresh shorter
 * than the TTL so that a running register's checks never expire. Undefined when neither is set.
 */
export function ttlSettings(ttl: string | undefined, ttlRefresh: string | undefined): TtlSettings | undefined {
  const ttlMs = ttl === undefined ? 0 : registratorDuration(ttl, '-ttl', 1000);
  const refreshMs = ttlRefresh === undefined ? 0 : registratorDuration(ttlRefresh, '-ttl-refresh', 1000);
  if (ttlMs === 0 && refreshMs === 0) return undefined;
  if (refreshMs === 0) throw new UsageError(`-ttl-refresh: needed with -ttl ${ttl}: how often the services' TTL checks are passed again`);
  if (ttlMs === 0) throw new UsageError(`-ttl: needed with -ttl-refresh ${ttlRefresh}: the TTL of the services' checks`);
  if (refreshMs >= ttlMs) throw new UsageError(`-ttl-refresh: ${ttlRefresh} must be less than -ttl ${ttl}, or the checks expire between refreshes`);
  return { ttlMs, refreshMs };
}

/** -retry-attempts: -1 (for ever) or more. */
export function retryAttempts(text: string): number {
  if (!/^-?\d+$/.test(text.trim()) || Number(text) < -1) throw new UsageError(`-retry-attempts: expected a whole number ≥ -1, got ${JSON.stringify(text)}`);
  return Number(text);
}
