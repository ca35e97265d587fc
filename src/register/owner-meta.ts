// The marks `drcon register` puts in the ServiceMeta of what it registers: whose it is, so that a
// restarted register removes its own stale services and never one someone else registered; and
// a digest of the registration, so that a changed container is registered again and an
// unchanged one is left alone.
import { createHash } from 'node:crypto';
import type { ServiceRegistration } from './consul-registration.ts';

export const ownerKey = 'drcon-register-owner';
export const digestKey = 'drcon-register-digest';
/** No SERVICE_* key may write these. */
export const reservedMetaPrefix = 'drcon-register';

/** The digest of everything in a registration but check statuses (those change in place). */
export function registrationDigest(registration: ServiceRegistration): string {
  const checks = registration.Checks.map(({ Status: _status, ...rest }) => rest);
  const { [digestKey]: _digest, ...meta } = registration.Meta;
  const stable = { ...registration, Meta: meta, Checks: checks };
  return createHash('sha256').update(JSON.stringify(stable)).digest('hex').slice(0, 16);
}
