// Consul API paths carry names from templates (service names with spaces, KV keys with any
// character), so every variable part is percent-encoded before it joins a path.
import { toWellFormed } from './well-formed.ts';

/** One path segment: everything that is not unreserved is encoded, `/` included. */
export function encodeSegment(text: string): string {
  return encodeURIComponent(toWellFormed(text));
}

/** A KV key or prefix: each segment encoded, the `/` between segments kept. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeSegment).join('/');
}
