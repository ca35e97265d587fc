// `nodes`: every node in the catalog, from /v1/catalog/nodes.
import type { ConsulAnswer, Dependency } from './dependency.ts';
import { expectList, expectRecord, stringField, stringMapField, type JsonRecord } from './answer-shape.ts';
import { isAddress } from './catalog-address.ts';
import { overlongText, quoteForLog } from './catalog-text.ts';
import { compareText } from './text-order.ts';

export interface CatalogNode {
  Node: string;
  Address: string;
  ID: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
}

export function catalogNodes(dc?: string): Dependency<CatalogNode[]> {
  const id = `catalog.nodes(${dc === undefined ? '' : '@' + dc})`;
  return {
    id,
    query: { path: '/v1/catalog/nodes', params: { dc } },
    parse(answer: ConsulAnswer, warn: (message: string) => void): CatalogNode[] {
      if (!answer.found) return [];
      const nodes: CatalogNode[] = [];
      for (const entry of expectList(answer.body, id)) {
        const node = readCatalogNode(expectRecord(entry, id, 'each entry'), id, dc);
        const problem = unsafeNodeField(node);
        if (problem !== undefined) {
          warn(`node ${quoteForLog(node.Node)}: ${problem}; left out`);
          continue;
        }
        nodes.push(node);
      }
      return nodes.sort((a, b) => compareText(a.Node, b.Node) || compareText(a.ID, b.ID));
    },
  };
}

/** A node as /v1/catalog/nodes and /v1/catalog/node/<name> give it. */
export function readCatalogNode(record: JsonRecord, id: string, dc: string | undefined): CatalogNode {
  return {
    Node: stringField(record, 'Node', id),
    Address: stringField(record, 'Address', id),
    ID: stringField(record, 'ID', id),
    Datacenter: stringField(record, 'Datacenter', id) || (dc ?? ''),
    TaggedAddresses: stringMapField(record, 'TaggedAddresses', id),
    Meta: stringMapField(record, 'Meta', id),
  };
}

/**
 * Same rules as for service instances: an address that is not one, or a value too long for an
 * Nginx token, never reaches a config.
 */
export function unsafeNodeField(node: CatalogNode): string | undefined {
  if (!isAddress(node.Address)) return `address ${quoteForLog(node.Address)} is not an IP address or host name`;
  return overlongText({ Node: node.Node, ID: node.ID, Datacenter: node.Datacenter, TaggedAddresses: node.TaggedAddresses, Meta: node.Meta });
}
