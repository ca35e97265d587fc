// Registrator's SERVICE_* conventions: a container's environment and labels (the same keys; a
// label wins over the environment) give settings for all its ports (SERVICE_NAME) or for one
// port (SERVICE_80_NAME, which wins for port 80). Keys are lowercased without the prefix:
// SERVICE_CHECK_HTTP → "check_http".
import type { ContainerInspect } from './docker-types.ts';

export interface PortMetadata {
  /** Setting → value. */
  values: Map<string, string>;
  /** Setting → the variable or label it came from, for warnings. */
  sources: Map<string, string>;
  /** Settings given for this port (SERVICE_<port>_*), not for the whole container. */
  fromPort: Set<string>;
}

const prefix = 'SERVICE_';

/** The SERVICE_* pairs of a container, environment first, then labels. */
function servicePairs(container: ContainerInspect): [string, string][] {
  const pairs: [string, string][] = [];
  for (const entry of container.Config?.Env ?? []) {
    const equals = entry.indexOf('=');
    if (equals > 0) pairs.push([entry.slice(0, equals), entry.slice(equals + 1)]);
  }
  for (const [key, value] of Object.entries(container.Config?.Labels ?? {})) pairs.push([key, value]);
  return pairs.filter(([key]) => key.startsWith(prefix) && key.length > prefix.length);
}

/** The settings that apply to `port` (the container's port number, as text). */
export function portMetadata(container: ContainerInspect, port: string): PortMetadata {
  const metadata: PortMetadata = { values: new Map(), sources: new Map(), fromPort: new Set() };
  for (const [key, value] of servicePairs(container)) {
    const setting = key.slice(prefix.length).toLowerCase();
    const perPort = /^(\d+)_(.+)$/.exec(setting);
    if (perPort) {
      if (perPort[1] !== port) continue;
      const name = perPort[2]!;
      metadata.values.set(name, value);
      metadata.sources.set(name, key);
      metadata.fromPort.add(name);
    } else if (!metadata.fromPort.has(setting)) {
      metadata.values.set(setting, value);
      metadata.sources.set(setting, key);
    }
  }
  return metadata;
}

/** SERVICE_<port>_* keys whose port cannot be a port: each is a mistake worth a warning. */
export function impossiblePortKeys(container: ContainerInspect): string[] {
  return servicePairs(container)
    .map(([key]) => key)
    .filter((key) => {
      const port = /^SERVICE_(\d+)_./i.exec(key)?.[1];
      return port !== undefined && (Number(port) < 1 || Number(port) > 65535);
    });
}
