// What to change at the agent so that it holds exactly the desired services: a pure comparison
// of what runs (desired) with what the agent holds and this register owns (actual).
import type { ContainerService } from './service-mapping.ts';
import type { OwnedService } from './agent-services.ts';
import { registrationDigest } from './owner-meta.ts';

export interface DesiredService extends ContainerService {
  /** Its container was sent a stop signal: keep it registered, in maintenance. */
  draining: boolean;
  /** The engine event behind this state, for the lag metrics. */
  event?: EventTiming;
}

/** An engine event's time (its timeNano) and when drcon register read it off the stream, ms since the epoch. */
export interface EventTiming {
  at: number;
  receivedAt: number;
}

export type Operation =
  | { kind: 'register'; service: DesiredService; replaces: boolean }
  | { kind: 'deregister'; actual: OwnedService }
  | { kind: 'maintenance'; service: DesiredService; enable: boolean }
  | { kind: 'health'; service: DesiredService }
  | { kind: 'ttl'; service: DesiredService };

/** Registrations first, then state changes, then removals. */
export interface PlanOptions {
  /** Push every Docker health status again, whatever the agent holds. */
  refreshHealth?: boolean;
  /** Pass every -ttl check again (its refresh is due), not only those the agent holds as failing. */
  refreshTtl?: boolean;
}

export function plan(desired: ReadonlyMap<string, DesiredService>, actual: ReadonlyMap<string, OwnedService>, options: PlanOptions = {}): Operation[] {
  const registrations: Operation[] = [];
  const changes: Operation[] = [];
  const removals: Operation[] = [];
  for (const [id, service] of desired) {
    const held = actual.get(id);
    if (held === undefined || held.digest !== registrationDigest(service.registration)) {
      registrations.push({ kind: 'register', service, replaces: held !== undefined });
      // Registered with its current health; maintenance is a separate check.
      if (service.draining) changes.push({ kind: 'maintenance', service, enable: true });
      continue;
    }
    if (held.maintenance !== service.draining) changes.push({ kind: 'maintenance', service, enable: service.draining });
    const health = service.health;
    if (health !== undefined && (options.refreshHealth || held.checks.get(health.checkId) !== health.status)) {
      changes.push({ kind: 'health', service });
    }
    const ttl = service.ttlCheckId;
    if (ttl !== undefined && (options.refreshTtl || held.checks.get(ttl) !== 'passing')) changes.push({ kind: 'ttl', service });
  }
  for (const [id, held] of actual) if (!desired.has(id)) removals.push({ kind: 'deregister', actual: held });
  return [...registrations, ...changes, ...removals];
}
