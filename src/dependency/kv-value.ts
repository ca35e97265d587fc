// KV values arrive base64-encoded (null for an empty value) and are read as UTF-8 text.

export function decodeKvValue(value: unknown, id: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') throw new Error(`${id}: unexpected answer from Consul: expected Value to be base64 text`);
  return Buffer.from(value, 'base64').toString('utf8');
}
