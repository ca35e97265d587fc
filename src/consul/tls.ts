// What the client tells Node's TLS about an https agent: the CAs that verify it (a bundle file
// and/or a directory of them), the client certificate an agent with verify_incoming asks for, and
// the name its certificate must carry when that is not the address's host.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ConsulTlsOptions {
  /** CA bundle (PEM file) to verify an https agent. */
  caFile?: string;
  /** A directory of CA certificates (PEM files), as Consul's CONSUL_CAPATH. */
  caPath?: string;
  /** Client certificate and its key (PEM files), for an agent that verifies its clients. */
  certFile?: string;
  keyFile?: string;
  /** The name the agent's certificate must be valid for (SNI too); default: the address's host. */
  serverName?: string;
  /** Skip TLS verification (only when asked for explicitly; logged as a warning). */
  insecureSkipVerify?: boolean;
}

export interface TlsConnectOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

/** Reads the files now, so that a wrong path fails at start with a message naming it. */
export function tlsConnectOptions(options: ConsulTlsOptions): TlsConnectOptions {
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw new Error('a Consul client certificate needs both the certificate and its key');
  }
  const ca = [
    ...(options.caFile === undefined ? [] : [readPem(options.caFile, 'CA file')]),
    ...(options.caPath === undefined ? [] : readCaDirectory(options.caPath)),
  ];
  return {
    ...(ca.length > 0 ? { ca } : {}),
    ...(options.certFile === undefined ? {} : { cert: readPem(options.certFile, 'client certificate') }),
    ...(options.keyFile === undefined ? {} : { key: readPem(options.keyFile, 'client key') }),
    ...(options.serverName === undefined ? {} : { servername: options.serverName }),
    rejectUnauthorized: options.insecureSkipVerify !== true,
  };
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read Consul ${what} ${JSON.stringify(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Every regular file of the directory that holds a PEM certificate (like a CA path of OpenSSL's). */
function readCaDirectory(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory).sort();
  } catch (error) {
    throw new Error(`cannot read Consul CA path ${JSON.stringify(directory)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const certificates = names
    .map((name) => join(directory, name))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile())
    .map((path) => readPem(path, 'CA file'))
    .filter((text) => text.includes('-----BEGIN CERTIFICATE-----'));
  if (certificates.length === 0) throw new Error(`Consul CA path ${JSON.stringify(directory)} holds no PEM certificate`);
  return certificates;
}
