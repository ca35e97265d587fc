// The catalog of the scale bench: services of ten instances each, spread over 100 nodes, every
// instance with one health check. Bulk registration goes through /v1/txn (up to 64 operations,
// i.e. three services, per Raft write); the single changes whose latency is measured go through
// the ordinary catalog API, one write each, as an agent's anti-entropy would send them.
import type { ConsulAgent } from '../../harness/consul.ts';

export const instancesPerService = 10;
const nodeCount = 100;
/** Consul refuses transactions of more than 64 operations. */
const opsPerTransaction = 64;
const transactionsInFlight = 8;

export function serviceName(service: number): string {
  return `svc-${service}`;
}

function nodeName(index: number): string {
  return `node-${index % nodeCount}`;
}

function nodeAddress(index: number): string {
  return `10.200.${Math.floor((index % nodeCount) / 250)}.${(index % nodeCount) % 250 + 1}`;
}

/** One address per service, all under 10.100.0.0/14: the rendered `server 10.1…` lines count instances. */
function serviceAddress(service: number): string {
  return `10.${100 + Math.floor(service / 62_500)}.${Math.floor(service / 250) % 250}.${(service % 250) + 1}`;
}

interface Instance {
  node: string;
  id: string;
}

export class BenchCatalog {
  readonly #api: ConsulAgent['api'];
  #services = 0;
  #passing = 0;
  #extra = 0;
  readonly #extras: Instance[] = [];

  constructor(api: ConsulAgent['api']) {
    this.#api = api;
  }

  get services(): number {
    return this.#services;
  }

  /** Instances whose check passes: the number of `server` lines the template renders. */
  get passing(): number {
    return this.#passing;
  }

  /** Grows the catalog to `count` services (never shrinks it). */
  async growTo(count: number): Promise<void> {
    if (this.#services === 0) {
      const nodes = Array.from({ length: nodeCount }, (_, index) => ({
        Node: { Verb: 'set', Node: { Node: nodeName(index), Address: nodeAddress(index) } },
      }));
      await this.#transactions(nodes);
    }
    const ops: unknown[] = [];
    for (let service = this.#services; service < count; service += 1) {
      for (let instance = 0; instance < instancesPerService; instance += 1) {
        const { node, id } = this.#instance(service, instance);
        ops.push(
          { Service: { Verb: 'set', Node: node, Service: { ID: id, Service: serviceName(service), Address: serviceAddress(service), Port: 8000 + instance, Tags: ['bench'] } } },
          { Check: { Verb: 'set', Check: { Node: node, CheckID: `check-${id}`, Name: 'alive', Status: 'passing', ServiceID: id } } },
        );
      }
    }
    await this.#transactions(ops);
    this.#passing += (count - this.#services) * instancesPerService;
    this.#services = Math.max(this.#services, count);
  }

  /** Registers one more passing instance of the service (one write: service and check). */
  async registerInstance(service: number): Promise<void> {
    const extra = (this.#extra += 1);
    const instance: Instance = { node: nodeName(service + extra), id: `${serviceName(service)}-extra-${extra}` };
    await this.#api('PUT', '/v1/catalog/register', {
      Node: instance.node,
      Address: nodeAddress(service + extra),
      SkipNodeUpdate: true,
      Service: { ID: instance.id, Service: serviceName(service), Address: serviceAddress(service), Port: 9000 + (extra % 1000), Tags: ['bench'] },
      Checks: [{ CheckID: `check-${instance.id}`, Name: 'alive', Status: 'passing', ServiceID: instance.id }],
    });
    this.#extras.push(instance);
    this.#passing += 1;
  }

  /** Deregisters the oldest instance registered by registerInstance (its check goes with it). */
  async deregisterInstance(): Promise<void> {
    const instance = this.#extras.shift();
    if (instance === undefined) throw new Error('no extra instance to deregister');
    await this.#api('PUT', '/v1/catalog/deregister', { Node: instance.node, ServiceID: instance.id });
    this.#passing -= 1;
  }

  /** Sets the check of instance 0 of the service, as an agent syncing a check result would. */
  async setCheck(service: number, status: 'passing' | 'critical'): Promise<void> {
    const { node, id } = this.#instance(service, 0);
    await this.#api('PUT', '/v1/catalog/register', {
      Node: node,
      Address: nodeAddress(service * instancesPerService),
      // The node exists: only the check is written.
      SkipNodeUpdate: true,
      Check: { CheckID: `check-${id}`, Name: 'alive', Status: status, ServiceID: id },
    });
    this.#passing += status === 'passing' ? 1 : -1;
  }

  #instance(service: number, instance: number): Instance {
    return { node: nodeName(service * instancesPerService + instance), id: `${serviceName(service)}-${instance}` };
  }

  async #transactions(ops: unknown[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < ops.length) {
        const batch = ops.slice(next, next + opsPerTransaction);
        next += opsPerTransaction;
        await this.#api('PUT', '/v1/txn', batch);
      }
    };
    await Promise.all(Array.from({ length: transactionsInFlight }, worker));
  }
}
