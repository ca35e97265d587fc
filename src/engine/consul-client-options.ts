// Settings → the Consul client's options, written once for every command that talks to an agent.
import type { Settings } from '../config/settings.ts';
import type { ConsulClientOptions } from '../consul/types.ts';

export type ConsulConnectionSettings = Pick<
  Settings,
  'consulAddresses' | 'token' | 'caFile' | 'caPath' | 'clientCert' | 'clientKey' | 'tlsServerName' | 'insecureSkipVerify'
>;

/** Where the agent is and how to talk to it. */
export function consulClientOptions(settings: ConsulConnectionSettings): ConsulClientOptions {
  return {
    addresses: settings.consulAddresses,
    token: settings.token,
    caFile: settings.caFile,
    caPath: settings.caPath,
    certFile: settings.clientCert,
    keyFile: settings.clientKey,
    serverName: settings.tlsServerName,
    insecureSkipVerify: settings.insecureSkipVerify,
  };
}
