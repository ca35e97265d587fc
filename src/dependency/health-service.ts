// `service`: the healthy (by default) instances of one service, from /v1/health/service/<name>.
import type { ConsulAnswer, Dependency } from './dependency.ts';
import type { HealthStatus, ServiceQuery } from './service-query.ts';
import { describeServiceQuery } from './service-query.ts';
import { expectList, expectRecord, stringField, stringListField, stringMapField, type JsonRecord } from './answer-shape.ts';
import { isAddress, isPort } from './catalog-address.ts';
import { overlongText, quoteForLog } from './catalog-text.ts';
import { compareText } from './text-order.ts';
import { encodeSegment } from './url-path.ts';

export interface HealthCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: string;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
}

/** How much of the traffic an instance takes, by the state of its checks (Consul's defaults: 1 and 1). */
export interface ServiceWeights {
  Passing: number;
  Warning: number;
}

/** A service's address under a name (`lan`, `wan`, `lan_ipv4`…), as Consul tags them. */
export interface TaggedAddress {
  Address: string;
  Port: number;
}

/** One instance as templates see it (consul-template's field names). */
export interface ServiceInstance {
  ID: string;
  Name: string;
  /** The service's address, or its node's when the service registered none. */
  Address: string;
  Port: number;
  Tags: string[];
  ServiceMeta: Record<string, string>;
  Weights: ServiceWeights;
  ServiceTaggedAddresses: Record<string, TaggedAddress>;
  Node: string;
  NodeAddress: string;
  NodeTaggedAddresses: Record<string, string>;
  NodeID: string;
  NodeMeta: Record<string, string>;
  Datacenter: string;
  /** Worst state of the instance's checks; "maintenance" when a maintenance check is on. */
  Status: HealthStatus;
  Checks: HealthCheck[];
}

export function healthService(query: ServiceQuery): Dependency<ServiceInstance[]> {
  const id = `health.service(${describeServiceQuery(query)})`;
  const onlyPassing = query.statuses !== 'any' && query.statuses.length === 1 && query.statuses[0] === 'passing';
  return {
    id,
    query: {
      path: `/v1/health/service/${encodeSegment(query.name)}`,
      // With exactly "passing" wanted, Consul filters on its side; otherwise we fetch all and filter.
      params: { tag: query.tag, dc: query.dc, passing: onlyPassing ? 'true' : undefined },
    },
    parse(answer: ConsulAnswer, warn: (message: string) => void): ServiceInstance[] {
      if (!answer.found) return [];
      const instances: ServiceInstance[] = [];
      for (const entry of expectList(answer.body, id)) {
        const instance = readInstance(expectRecord(entry, id, 'each entry'), id, query);
        const problem = unsafeField(instance);
        if (problem !== undefined) {
          warn(`service ${quoteForLog(instance.Name)} instance ${quoteForLog(instance.ID)}: ${problem}; left out`);
          continue;
        }
        if (query.statuses === 'any' || query.statuses.includes(instance.Status)) instances.push(instance);
      }
      return instances.sort((a, b) => compareText(a.Node, b.Node) || compareText(a.ID, b.ID));
    },
  };
}

function readInstance(entry: JsonRecord, id: string, query: ServiceQuery): ServiceInstance {
  const node = expectRecord(entry['Node'], id, 'Node');
  const service = expectRecord(entry['Service'], id, 'Service');
  const checks = (entry['Checks'] === undefined || entry['Checks'] === null ? [] : expectList(entry['Checks'], id)).map(
    (check) => readCheck(expectRecord(check, id, 'each check'), id),
  );
  const nodeAddress = stringField(node, 'Address', id);
  return {
    ID: stringField(service, 'ID', id),
    Name: stringField(service, 'Service', id),
    Address: stringField(service, 'Address', id) || nodeAddress,
    // Kept as Consul sent it; unsafeField rejects anything that is not a port number.
    Port: service['Port'] as number,
    Tags: stringListField(service, 'Tags', id),
    ServiceMeta: stringMapField(service, 'Meta', id),
    Weights: readWeights(service, id),
    ServiceTaggedAddresses: readTaggedAddresses(service, id),
    Node: stringField(node, 'Node', id),
    NodeAddress: nodeAddress,
    NodeTaggedAddresses: stringMapField(node, 'TaggedAddresses', id),
    NodeID: stringField(node, 'ID', id),
    NodeMeta: stringMapField(node, 'Meta', id),
    Datacenter: stringField(node, 'Datacenter', id) || (query.dc ?? ''),
    Status: aggregateStatus(checks),
    Checks: checks,
  };
}

/** Absent weights are Consul's defaults; unsafeField refuses numbers that are not weights. */
function readWeights(service: JsonRecord, id: string): ServiceWeights {
  const weights = service['Weights'] === undefined || service['Weights'] === null ? {} : expectRecord(service['Weights'], id, 'Weights');
  return { Passing: (weights['Passing'] as number | undefined) ?? 1, Warning: (weights['Warning'] as number | undefined) ?? 1 };
}

function readTaggedAddresses(service: JsonRecord, id: string): Record<string, TaggedAddress> {
  const tagged = service['TaggedAddresses'];
  if (tagged === undefined || tagged === null) return {};
  const out: Record<string, TaggedAddress> = {};
  for (const [name, entry] of Object.entries(expectRecord(tagged, id, 'TaggedAddresses'))) {
    const address = expectRecord(entry, id, `TaggedAddresses.${name}`);
    // The port is kept as sent, like the service's own; unsafeField checks it.
    out[name] = { Address: stringField(address, 'Address', id), Port: address['Port'] as number };
  }
  return out;
}

function readCheck(check: JsonRecord, id: string): HealthCheck {
  const field = (name: string) => stringField(check, name, id);
  return {
    Node: field('Node'),
    CheckID: field('CheckID'),
    Name: field('Name'),
    Status: field('Status'),
    Notes: field('Notes'),
    Output: field('Output'),
    ServiceID: field('ServiceID'),
    ServiceName: field('ServiceName'),
  };
}

const severity: Record<string, number> = { passing: 0, warning: 1, critical: 2 };

/**
 * The state of an instance: the worst of its checks (a state Consul does not document counts as
 * critical), except that a critical maintenance check (node or service) makes it "maintenance".
 */
export function aggregateStatus(checks: readonly Pick<HealthCheck, 'CheckID' | 'Status'>[]): HealthStatus {
  const inMaintenance = checks.some(
    (check) =>
      (check.CheckID === '_node_maintenance' || check.CheckID.startsWith('_service_maintenance:')) &&
      check.Status === 'critical',
  );
  if (inMaintenance) return 'maintenance';
  const worst = Math.max(0, ...checks.map((check) => severity[check.Status] ?? severity['critical']!));
  return worst === 2 ? 'critical' : worst === 1 ? 'warning' : 'passing';
}

function unsafeField(instance: ServiceInstance): string | undefined {
  if (!isAddress(instance.Address)) {
    return `address ${quoteForLog(instance.Address)} is not an IP address or host name`;
  }
  if (!isPort(instance.Port)) return `port ${JSON.stringify(instance.Port) ?? 'undefined'} is not a port number (0-65535)`;
  // An empty tagged address is Consul's "none" and reads as "", as a missing one would.
  for (const [name, tagged] of Object.entries(instance.ServiceTaggedAddresses)) {
    if (tagged.Address !== '' && !isAddress(tagged.Address)) return `tagged address ${quoteForLog(name)} ${quoteForLog(tagged.Address)} is not an IP address or host name`;
    if (!isPort(tagged.Port)) return `tagged address ${quoteForLog(name)} port ${JSON.stringify(tagged.Port) ?? 'undefined'} is not a port number (0-65535)`;
  }
  for (const [name, address] of Object.entries(instance.NodeTaggedAddresses)) {
    if (address !== '' && !isAddress(address)) return `node tagged address ${quoteForLog(name)} ${quoteForLog(address)} is not an IP address or host name`;
  }
  const { Passing, Warning } = instance.Weights;
  // Consul wants Passing ≥ 1 and Warning ≥ 0; Nginx's `weight=` takes 1 and up.
  if (!Number.isSafeInteger(Passing) || Passing < 1 || !Number.isSafeInteger(Warning) || Warning < 0) {
    return `weights ${JSON.stringify(instance.Weights)} are not whole numbers (Passing at least 1, Warning at least 0)`;
  }
  const { ID, Name, Tags, ServiceMeta, Node, NodeID, NodeMeta, Datacenter } = instance;
  // Check output is left as it is: long by nature, and no config has a place for it.
  return overlongText({ ID, Name, Tags, ServiceMeta, Node, NodeID, NodeMeta, Datacenter });
}
