// consul-template's service query syntax, `[tag.]name[@dc][|status,…]`, plus the hash options a
// Handlebars call can add: `(service "web" tag="blue" dc="dc1" filter="passing,warning")`.
//
// How the two combine: a hash option fills in a part the string leaves out; naming a part both
// ways with different values is an error (nothing wins silently). `tag=` has one more effect: the
// string is then taken as the whole name, dots included, because without it a dot separates tag
// from name (at the last dot, so tags may contain dots: "v1.2.web" is tag "v1.2", name "web").
// For a dotted name without a tag, pass `tag=""`. A name cannot contain `@` or `|`.

import { isWellFormed } from './well-formed.ts';

export const healthStatuses = ['passing', 'warning', 'critical', 'maintenance'] as const;
export type HealthStatus = (typeof healthStatuses)[number];

export interface ServiceQuery {
  name: string;
  tag?: string;
  dc?: string;
  /** Instance states to keep, in the order of `healthStatuses`; 'any' keeps every instance. */
  statuses: readonly HealthStatus[] | 'any';
}

export interface ServiceQueryOptions {
  tag?: string;
  dc?: string;
  filter?: string;
}

export class ServiceQueryError extends Error {
  constructor(query: string, problem: string) {
    super(`service query ${JSON.stringify(query)}: ${problem}`);
    this.name = 'ServiceQueryError';
  }
}

const datacenterName = /^[A-Za-z0-9_.-]+$/;

export function isDatacenterName(text: string): boolean {
  return datacenterName.test(text);
}
// Control characters cannot be part of a Consul name and would only confuse logs.
const controlCharacter = /[\u0000-\u001f\u007f]/;

export function parseServiceQuery(text: string, options: ServiceQueryOptions = {}): ServiceQuery {
  const fail = (problem: string): never => {
    throw new ServiceQueryError(text, problem);
  };
  if (!isWellFormed(text)) fail('contains broken Unicode text');

  let rest = text;
  let filterText: string | undefined;
  const bar = rest.lastIndexOf('|');
  if (bar >= 0) {
    filterText = rest.slice(bar + 1);
    rest = rest.slice(0, bar);
  }
  let dc: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    dc = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  if (rest.includes('|') || rest.includes('@')) fail('a service name cannot contain "|" or "@"');

  let tag: string | undefined;
  let name = rest;
  if (options.tag === undefined) {
    const dot = rest.lastIndexOf('.');
    if (dot >= 0) {
      tag = rest.slice(0, dot);
      name = rest.slice(dot + 1);
      if (tag === '') fail('empty tag before "."');
    }
  } else if (options.tag !== '') {
    tag = options.tag;
  }

  if (name === '') fail('empty service name');
  if (tag !== undefined && !isWellFormed(tag)) fail('tag= contains broken Unicode text');
  if (controlCharacter.test(name) || (tag !== undefined && controlCharacter.test(tag))) {
    fail('contains a control character');
  }

  dc = merge('dc', dc, options.dc, fail);
  if (dc !== undefined && !isDatacenterName(dc)) {
    fail(`datacenter ${JSON.stringify(dc)} may only contain letters, digits, ".", "_" and "-"`);
  }

  const filter = merge('filter', filterText, options.filter, fail);
  const statuses = filter === undefined ? (['passing'] as const) : parseStatuses(filter, fail);
  return { name, ...(tag === undefined ? {} : { tag }), ...(dc === undefined ? {} : { dc }), statuses };
}

function merge(
  part: string,
  fromText: string | undefined,
  fromHash: string | undefined,
  fail: (problem: string) => never,
): string | undefined {
  if (fromText === '') fail(`empty ${part} after its separator`);
  if (fromHash !== undefined && !isWellFormed(fromHash)) fail(`${part}= contains broken Unicode text`);
  if (fromText !== undefined && fromHash !== undefined && fromText !== fromHash) {
    fail(`${part} given twice: ${JSON.stringify(fromText)} in the query and ${part}=${JSON.stringify(fromHash)}`);
  }
  return fromText ?? fromHash;
}

function parseStatuses(filter: string, fail: (problem: string) => never): readonly HealthStatus[] | 'any' {
  const wanted = new Set<string>();
  for (const word of filter.split(',')) {
    const status = word.trim();
    if (status === 'any') return 'any';
    if (!(healthStatuses as readonly string[]).includes(status)) {
      fail(`unknown status ${JSON.stringify(status)} (use passing, warning, critical, maintenance or any)`);
    }
    wanted.add(status);
  }
  const statuses = healthStatuses.filter((status) => wanted.has(status));
  // All four states is the same query as "any": one id, one watch.
  return statuses.length === healthStatuses.length ? 'any' : statuses;
}

/**
 * Canonical text of a query, unique per query: the tag and name are JSON-quoted when they contain
 * a character that would make the text ambiguous. Used for dependency ids and messages.
 */
export function describeServiceQuery(query: ServiceQuery): string {
  const part = (text: string) => (/[.@|"]/.test(text) ? JSON.stringify(text) : text);
  const tag = query.tag === undefined ? '' : `${part(query.tag)}.`;
  const dc = query.dc === undefined ? '' : `@${query.dc}`;
  const statuses = query.statuses === 'any' ? 'any' : query.statuses.join(',');
  return `${tag}${part(query.name)}${dc}|${statuses}`;
}
