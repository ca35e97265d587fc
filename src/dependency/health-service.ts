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

/** One instance as templates see it (consul-template's field names). */
export interface ServiceInstance {
  ID: string;
  Name: string;
  /** The service's address, or its node's when the service registered none. */
  Address: string;
  Port: number;
  Tags: string[];
  ServiceMeta: Record<string, string>;
  Node: string;
  NodeAddress: string;
  NodeID: string;
  NodeMeta: Record<string, string>;
  Datacenter: string;
  /** Worst state of the instance's checks; "maintenance" when a maintenance check is on. */
  Status: HealthStatus;
  Checks: HealthCheck[];
  /** Consul's weights of the instance while passing and while warning (1 and 1 unless set). */
  Weights: { Passing: number; Warning: number };
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
    Node: stringField(node, 'Node', id),
    NodeAddress: nodeAddress,
    NodeID: stringField(node, 'ID', id),
    NodeMeta: stringMapField(node, 'Meta', id),
    Datacenter: stringField(node, 'Datacenter', id) || (query.dc ?? ''),
    Status: aggregateStatus(checks),
    Checks: checks,
    Weights: readWeights(service['Weights']),
  };
}

/** Consul writes both weights; an agent that sends none or a stray value gets its default, 1. */
function readWeights(value: unknown): ServiceInstance['Weights'] {
  const weights = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const weight = (name: string) => (typeof weights[name] === 'number' && Number.isInteger(weights[name]) && weights[name] >= 0 ? weights[name] : 1);
  return { Passing: weight('Passing'), Warning: weight('Warning') };
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
  const { ID, Name, Tags, ServiceMeta, Node, NodeID, NodeMeta, Datacenter } = instance;
  // Check output is left as it is: long by nature, and no config has a place for it.
  return overlongText({ ID, Name, Tags, ServiceMeta, Node, NodeID, NodeMeta, Datacenter });
}
