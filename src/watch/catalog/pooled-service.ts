// Which dependencies the catalog-wide change detector can serve: queries of one service's
// health (/v1/health/service/<name>) with no parameters other than the ones it understands. Their
// changes all show up in the detector's catalog-wide signals; anything else keeps its own loop.
import type { Dependency } from '../../dependency/dependency.ts';

export interface PooledService {
  /** The service name, decoded from the path. */
  name: string;
  /** The datacenter asked for; undefined is the agent's own. */
  dc: string | undefined;
}

const healthServicePath = /^\/v1\/health\/service\/([^/]+)$/;
/** `tag` and `passing` narrow the answer but not what can change it; `dc` picks the detector. */
const understoodParams = new Set(['tag', 'dc', 'passing']);

export function pooledServiceOf(dependency: Dependency): PooledService | undefined {
  const match = healthServicePath.exec(dependency.query.path);
  if (!match) return undefined;
  for (const [name, value] of Object.entries(dependency.query.params)) {
    if (value !== undefined && !understoodParams.has(name)) return undefined;
  }
  let name: string;
  try {
    name = decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
  return { name, dc: dependency.query.params['dc'] };
}
