// KV keys and prefixes as templates write them, checked and normalised before they join a path.
import { isWellFormed } from './well-formed.ts';

export class KvPathError extends Error {
  constructor(what: string, path: string, problem: string) {
    super(`${what} ${JSON.stringify(path)}: ${problem}`);
    this.name = 'KvPathError';
  }
}

/**
 * A key or prefix without leading slashes (Consul keys never start with one, and "//" in a path
 * makes Consul redirect). "." and ".." segments are refused: they would walk out of /v1/kv/.
 */
export function normaliseKvPath(what: 'key' | 'prefix', path: string): string {
  const fail = (problem: string): never => {
    throw new KvPathError(what, path, problem);
  };
  if (!isWellFormed(path)) fail('contains broken Unicode text');
  if (/[\u0000-\u001f\u007f]/.test(path)) fail('contains a control character');
  const trimmed = path.replace(/^\/+/, '');
  if (trimmed.split('/').some((segment) => segment === '.' || segment === '..')) {
    fail('"." and ".." are not allowed as path segments');
  }
  if (what === 'key' && (trimmed === '' || trimmed.endsWith('/'))) fail('a key needs a name after its last "/"');
  return trimmed;
}
