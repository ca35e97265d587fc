// Readers for Consul's JSON that fail with one line naming the query when the shape is not what
// the endpoint documents (a proxy's error page, a different API version).

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectList(body: unknown, id: string): unknown[] {
  if (!Array.isArray(body)) throw shapeError(id, 'expected a JSON list');
  return body;
}

export function expectRecord(value: unknown, id: string, what: string): JsonRecord {
  if (!isRecord(value)) throw shapeError(id, `expected ${what} to be a JSON object`);
  return value;
}

/** A string field; absent or null reads as "" (Consul omits empty fields in some versions). */
export function stringField(record: JsonRecord, field: string, id: string): string {
  const value = record[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw shapeError(id, `expected field ${field} to be a string`);
  return value;
}

/** A map of strings (Meta, TaggedAddresses); absent or null reads as {}. */
export function stringMapField(record: JsonRecord, field: string, id: string): Record<string, string> {
  const value = record[field];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw shapeError(id, `expected field ${field} to be a JSON object`);
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw shapeError(id, `expected ${field}.${key} to be a string`);
    out[key] = entry;
  }
  return out;
}

/** A list of strings (Tags); absent or null reads as []. */
export function stringListField(record: JsonRecord, field: string, id: string): string[] {
  const value = record[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    throw shapeError(id, `expected field ${field} to be a list of strings`);
  }
  return value;
}

function shapeError(id: string, problem: string): Error {
  return new Error(`${id}: unexpected answer from Consul: ${problem}`);
}
