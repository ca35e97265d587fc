// Whether a loopback port is free, so the demo can say "busy" before Nginx fails to bind it.
import { createServer } from 'node:net';
import { freePort } from '../../harness/ports.ts';

export interface ChosenPort {
  port: number;
  /** The wanted port was taken, `port` is a free one instead. */
  replacedBusy: boolean;
}

/** `wanted` when nothing listens on host:wanted, otherwise a free port. Another process may still take it first. */
export async function chooseListenPort(wanted: number, host: string): Promise<ChosenPort> {
  if (await canListen(wanted, host)) return { port: wanted, replacedBusy: false };
  return { port: await freePort(host), replacedBusy: true };
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
