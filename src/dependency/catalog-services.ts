// `services`: every service in the catalog with its tags, from /v1/catalog/services.
import type { ConsulAnswer, Dependency } from './dependency.ts';
import { expectRecord, stringListField } from './answer-shape.ts';
import { compareText } from './text-order.ts';

export interface CatalogService {
  Name: string;
  /** Tags of all its instances, as Consul lists them. */
  Tags: string[];
}

export function catalogServices(dc?: string): Dependency<CatalogService[]> {
  const id = `catalog.services(${dc === undefined ? '' : '@' + dc})`;
  return {
    id,
    query: { path: '/v1/catalog/services', params: { dc } },
    parse(answer: ConsulAnswer): CatalogService[] {
      if (!answer.found) return [];
      const byName = expectRecord(answer.body, id, 'the answer');
      return Object.keys(byName)
        .map((name) => ({ Name: name, Tags: stringListField(byName, name, id) }))
        .sort((a, b) => compareText(a.Name, b.Name));
    },
  };
}
