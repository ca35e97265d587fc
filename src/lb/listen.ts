// The address Nginx listens on, as `drcon lb` takes it: "80", "127.0.0.1:8080", "[::]:80",
// "*:80" or "unix:/path". Checked up front because it is written into Nginx configuration.

const hostPort = /^(?:(?:\*|[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):)?(\d{1,5})$/;
const unixSocket = /^unix:\/[^\s;{}'"$\\#]+$/;

/** Returns `value` when it is a listen address Nginx accepts; throws a one-line error otherwise. */
export function parseListen(value: string): string {
  const match = hostPort.exec(value);
  if (match) {
    const port = Number(match[1]);
    if (port >= 1 && port <= 65535) return value;
  } else if (unixSocket.test(value)) {
    return value;
  }
  throw new Error(`invalid listen address ${JSON.stringify(value)}: expected PORT, HOST:PORT, [IPv6]:PORT or unix:/PATH`);
}
