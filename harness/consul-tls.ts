// A real Consul agent serving its API over HTTPS, with certificates made by Consul's own tooling
// for the test: a CA, a server certificate it signed (valid for 127.0.0.1, localhost and
// server.dc1.consul) and a client certificate. With `verifyIncoming` the agent asks every client
// for a certificate that CA signed.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from './consul.ts';
import { freePort } from './ports.ts';

export interface TlsConsul {
  consul: ConsulAgent;
  /** "https://127.0.0.1:PORT" */
  https: string;
  ca: string;
  clientCert: string;
  clientKey: string;
}

/** Makes the certificates in `dir` and starts the agent; destroy `consul` when done. */
export async function startTlsConsul(dir: string, { verifyIncoming = false } = {}): Promise<TlsConsul> {
  execFileSync('consul', ['tls', 'ca', 'create'], { cwd: dir, stdio: 'ignore' });
  execFileSync('consul', ['tls', 'cert', 'create', '-server'], { cwd: dir, stdio: 'ignore' });
  execFileSync('consul', ['tls', 'cert', 'create', '-client'], { cwd: dir, stdio: 'ignore' });
  const ca = join(dir, 'consul-agent-ca.pem');
  const port = await freePort();
  const consul = await startConsul({
    config: {
      'tls.json': JSON.stringify({
        ports: { https: port },
        ca_file: ca,
        cert_file: join(dir, 'dc1-server-consul-0.pem'),
        key_file: join(dir, 'dc1-server-consul-0-key.pem'),
        ...(verifyIncoming ? { verify_incoming: true } : {}),
      }),
    },
  });
  return {
    consul, https: `https://127.0.0.1:${port}`, ca,
    clientCert: join(dir, 'dc1-client-consul-0.pem'), clientKey: join(dir, 'dc1-client-consul-0-key.pem'),
  };
}
