// `node`: one node and the services registered on it, from /v1/catalog/node/<name>. The name is
// consul-template's `name[@dc]`; an unknown node is no data for the template (Consul answers null).
import type { ConsulAnswer, Dependency } from './dependency.ts';
import { expectRecord, stringField, stringListField, stringMapField, type JsonRecord } from './answer-shape.ts';
import { isAddress, isPort } from './catalog-address.ts';
import { readCatalogNode, unsafeNodeField, type CatalogNode } from './catalog-nodes.ts';
import { overlongText, quoteForLog } from './catalog-text.ts';
import { isDatacenterName } from './service-query.ts';
import { compareText } from './text-order.ts';
import { encodeSegment } from './url-path.ts';
import { isWellFormed } from './well-formed.ts';

/** A service on the node (consul-template's CatalogNodeService fields). */
export interface NodeService {
  ID: string;
  Service: string;
  Tags: string[];
  Meta: Record<string, string>;
  Port: number;
  /** As registered: "" when the service uses its node's address. */
  Address: string;
}

export interface CatalogNodeWithServices {
  Node: CatalogNode;
  /** Sorted by service name, then ID. */
  Services: NodeService[];
}

export class NodeQueryError extends Error {}

/** `text` is `name` or `name@dc`; a `dc` option fills in the datacenter the text leaves out. */
export function catalogNode(text: string, dcOption?: string): Dependency<CatalogNodeWithServices | null> {
  const at = text.lastIndexOf('@');
  const name = at === -1 ? text : text.slice(0, at);
  const dcText = at === -1 ? undefined : text.slice(at + 1);
  if (name === '' || !isWellFormed(name) || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new NodeQueryError(`node ${JSON.stringify(text)}: a node name is needed, without control characters`);
  }
  if (dcText !== undefined && dcOption !== undefined && dcText !== dcOption) {
    throw new NodeQueryError(`node ${JSON.stringify(text)}: datacenter given twice: ${JSON.stringify(dcText)} and dc=${JSON.stringify(dcOption)}`);
  }
  const dc = dcText ?? dcOption;
  if (dc !== undefined && !isDatacenterName(dc)) {
    throw new NodeQueryError(`node ${JSON.stringify(text)}: datacenter ${JSON.stringify(dc)} may only contain letters, digits, ".", "_" and "-"`);
  }
  const id = `catalog.node(${JSON.stringify(name)}${dc === undefined ? '' : '@' + dc})`;
  return {
    id,
    query: { path: `/v1/catalog/node/${encodeSegment(name)}`, params: { dc } },
    parse(answer: ConsulAnswer, warn: (message: string) => void): CatalogNodeWithServices | null {
      if (!answer.found || answer.body === null) return null;
      const body = expectRecord(answer.body, id, 'the answer');
      const node = readCatalogNode(expectRecord(body['Node'], id, 'Node'), id, dc);
      const problem = unsafeNodeField(node);
      if (problem !== undefined) {
        warn(`node ${quoteForLog(node.Node)}: ${problem}; left out`);
        return null;
      }
      const services: NodeService[] = [];
      const registered = body['Services'] === undefined || body['Services'] === null ? {} : expectRecord(body['Services'], id, 'Services');
      for (const entry of Object.values(registered)) {
        const service = readNodeService(expectRecord(entry, id, 'each service'), id);
        const unsafe = unsafeServiceField(service);
        if (unsafe !== undefined) {
          warn(`node ${quoteForLog(node.Node)} service ${quoteForLog(service.ID)}: ${unsafe}; left out`);
          continue;
        }
        services.push(service);
      }
      services.sort((a, b) => compareText(a.Service, b.Service) || compareText(a.ID, b.ID));
      return { Node: node, Services: services };
    },
  };
}

function readNodeService(record: JsonRecord, id: string): NodeService {
  return {
    ID: stringField(record, 'ID', id),
    Service: stringField(record, 'Service', id),
    Tags: stringListField(record, 'Tags', id),
    Meta: stringMapField(record, 'Meta', id),
    // Kept as Consul sent it; unsafeServiceField rejects anything that is not a port number.
    Port: record['Port'] as number,
    Address: stringField(record, 'Address', id),
  };
}

function unsafeServiceField(service: NodeService): string | undefined {
  if (service.Address !== '' && !isAddress(service.Address)) return `address ${quoteForLog(service.Address)} is not an IP address or host name`;
  if (!isPort(service.Port)) return `port ${JSON.stringify(service.Port) ?? 'undefined'} is not a port number (0-65535)`;
  const { ID, Service, Tags, Meta } = service;
  return overlongText({ ID, Service, Tags, Meta });
}
