// Where the Docker Engine API is: -docker-host or DOCKER_HOST, as Docker's own tools read it.
// "unix:///var/run/docker.sock" (the default), a bare socket path, or "tcp://host:port" (plain HTTP).

export const defaultDockerHost = 'unix:///var/run/docker.sock';

export type DockerHost = { kind: 'unix'; socketPath: string; text: string } | { kind: 'tcp'; origin: string; text: string };

export function parseDockerHost(text: string): DockerHost {
  const trimmed = text.trim();
  const fail = (why: string): never => {
    throw new Error(`invalid Docker host ${JSON.stringify(text)}: ${why} (expected unix:///path/to/docker.sock or tcp://host:port)`);
  };
  if (trimmed.startsWith('/')) return { kind: 'unix', socketPath: trimmed, text: `unix://${trimmed}` };
  if (trimmed.startsWith('unix://')) {
    const socketPath = trimmed.slice('unix://'.length);
    if (!socketPath.startsWith('/')) fail('the socket path must be absolute');
    return { kind: 'unix', socketPath, text: trimmed };
  }
  if (trimmed.startsWith('tcp://') || trimmed.startsWith('http://')) {
    let url: URL;
    try {
      url = new URL(trimmed.replace(/^tcp:/, 'http:'));
    } catch {
      return fail('not a host:port');
    }
    if (url.port === '' || (url.pathname !== '/' && url.pathname !== '')) fail('expected tcp://host:port with a port and no path');
    return { kind: 'tcp', origin: url.origin, text: trimmed };
  }
  return fail('unknown scheme');
}
