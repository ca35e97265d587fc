// `services`: every service in the catalog with its tags, from /v1/catalog/services.
import type { ConsulAnswer, Dependency } from './dependency.ts';
import { expectRecord, stringListField } from './answer-shape.ts';
import { longestCatalogTextBytes, overlongText, quoteForLog } from './catalog-text.ts';
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
    parse(answer: ConsulAnswer, warn: (message: string) => void): CatalogService[] {
      if (!answer.found) return [];
      const byName = expectRecord(answer.body, id, 'the answer');
      const services: CatalogService[] = [];
      for (const name of Object.keys(byName)) {
        const tags = stringListField(byName, name, id);
        // One instance's overlong tag must not take the whole service out (nor its routes): only
        // the tag goes; a name too long for Nginx takes the service out.
        const nameProblem = overlongText({ name });
        if (nameProblem !== undefined) {
          warn(`service ${quoteForLog(name)}: ${nameProblem}; left out`);
          continue;
        }
        const kept = tags.filter((tag) => overlongText({ tag }) === undefined);
        const dropped = tags.length - kept.length;
        if (dropped > 0) warn(`service ${quoteForLog(name)}: ${dropped} tag${dropped === 1 ? '' : 's'} longer than ${longestCatalogTextBytes} bytes left out`);
        // Consul lists a service's tags (the union over its instances) in no fixed order: sorted,
        // an unchanged catalog renders the same bytes.
        services.push({ Name: name, Tags: kept.sort(compareText) });
      }
      return services.sort((a, b) => compareText(a.Name, b.Name));
    },
  };
}
