// The local Consul agent's side of `drcon register`: what it holds that this register owns, and
// the writes that change it (register, deregister, maintenance, a check's status).
import type { ConsulClient } from '../consul/client.ts';
import type { ServiceRegistration } from './consul-registration.ts';
import { digestKey, ownerKey, registrationDigest } from './owner-meta.ts';

/** A service the agent holds that this register owns. */
export interface OwnedService {
  id: string;
  name: string;
  address: string;
  port: number;
  /** Undefined for a service Registrator left (see -cleanup). */
  digest: string | undefined;
  /** In maintenance mode (drained). */
  maintenance: boolean;
  /** Status of each of its checks, by check ID. */
  checks: Map<string, string>;
}

interface AgentService {
  ID?: string;
  Service?: string;
  Address?: string;
  Port?: number;
  Meta?: Record<string, string> | null;
}

interface AgentCheck {
  CheckID?: string;
  ServiceID?: string;
  Status?: string;
}

export interface AgentServicesOptions {
  owner: string;
  /**
   * -cleanup: services without an owner mark whose ID has Registrator's form for this host
   * ("host:container:port") count as owned too, so the ones it left behind are removed.
   */
  cleanupPrefix?: string;
}

export const maintenanceCheckPrefix = '_service_maintenance:';

export class AgentServices {
  readonly #consul: ConsulClient;
  readonly #options: AgentServicesOptions;

  constructor(consul: ConsulClient, options: AgentServicesOptions) {
    this.#consul = consul;
    this.#options = options;
  }

  async owned(): Promise<Map<string, OwnedService>> {
    const [servicesAnswer, checksAnswer] = await Promise.all([
      this.#consul.get('/v1/agent/services', {}),
      this.#consul.get('/v1/agent/checks', {}),
    ]);
    const services = new Map<string, OwnedService>();
    for (const service of Object.values((servicesAnswer.body ?? {}) as Record<string, AgentService>)) {
      if (typeof service.ID !== 'string' || !this.#isOwned(service)) continue;
      services.set(service.ID, {
        id: service.ID, name: service.Service ?? '', address: service.Address ?? '', port: service.Port ?? 0,
        digest: service.Meta?.[digestKey], maintenance: false, checks: new Map(),
      });
    }
    for (const check of Object.values((checksAnswer.body ?? {}) as Record<string, AgentCheck>)) {
      const owner = check.ServiceID === undefined ? undefined : services.get(check.ServiceID);
      if (owner === undefined || check.CheckID === undefined) continue;
      if (check.CheckID.startsWith(maintenanceCheckPrefix)) owner.maintenance = true;
      else owner.checks.set(check.CheckID, check.Status ?? '');
    }
    return services;
  }

  /** The agent's node name: its services are that node's in the catalog. */
  async nodeName(): Promise<string> {
    const self = (await this.#consul.get('/v1/agent/self', {})).body as { Config?: { NodeName?: string } } | undefined;
    const name = self?.Config?.NodeName;
    if (typeof name !== 'string' || name === '') throw new Error('GET /v1/agent/self: no Config.NodeName in the answer');
    return name;
  }

  /**
   * The index of the node's catalog entry; with `index`, a blocking query that answers once it
   * changed (or `waitMs` passed). Consul 1.8's agent endpoints cannot block: the catalog can.
   */
  async nodeIndex(node: string, options: { index?: number; waitMs?: number; signal?: AbortSignal } = {}): Promise<number | undefined> {
    return (await this.#consul.get(`/v1/catalog/node/${encodeURIComponent(node)}`, {}, options)).index;
  }

  async register(registration: ServiceRegistration): Promise<void> {
    const body = { ...registration, Meta: { ...registration.Meta, [digestKey]: registrationDigest(registration) } };
    await this.#consul.put('/v1/agent/service/register', {}, body);
  }

  async deregister(id: string): Promise<void> {
    await this.#consul.put(`/v1/agent/service/deregister/${encodeURIComponent(id)}`, {});
  }

  async maintenance(id: string, enable: boolean, reason: string): Promise<void> {
    await this.#consul.put(`/v1/agent/service/maintenance/${encodeURIComponent(id)}`, { enable: String(enable), reason: enable ? reason : undefined });
  }

  async updateCheck(checkId: string, status: string, output: string): Promise<void> {
    await this.#consul.put(`/v1/agent/check/update/${encodeURIComponent(checkId)}`, {}, { Status: status, Output: output });
  }

  #isOwned(service: AgentService): boolean {
    const owner = service.Meta?.[ownerKey];
    if (owner !== undefined) return owner === this.#options.owner;
    const prefix = this.#options.cleanupPrefix;
    return prefix !== undefined && service.ID!.startsWith(prefix) && service.ID!.split(':').length >= 3;
  }
}
