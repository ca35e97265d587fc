// `datacenters`: the datacenters the agent knows, from /v1/catalog/datacenters. Consul answers it
// without an index, so it cannot block: it is read again every 15 s, as consul-template does.
import type { ConsulAnswer, Dependency } from './dependency.ts';
import { expectList } from './answer-shape.ts';
import { quoteForLog } from './catalog-text.ts';
import { isDatacenterName } from './service-query.ts';
import { compareText } from './text-order.ts';

export const datacentersPollMs = 15_000;

export function catalogDatacenters(): Dependency<string[]> {
  const id = 'catalog.datacenters()';
  return {
    id,
    query: { path: '/v1/catalog/datacenters', params: {} },
    pollMs: datacentersPollMs,
    parse(answer: ConsulAnswer, warn: (message: string) => void): string[] {
      if (!answer.found) return [];
      const names: string[] = [];
      for (const name of expectList(answer.body, id)) {
        // A name that is not one could not be used in a query (`service "web@dc"`) anyway.
        if (typeof name !== 'string' || !isDatacenterName(name)) {
          warn(`datacenter ${typeof name === 'string' ? quoteForLog(name) : JSON.stringify(name)}: not a datacenter name; left out`);
          continue;
        }
        names.push(name);
      }
      // Consul lists them nearest first, which changes as round-trip times do: sorted, as
      // consul-template sorts them, the same datacenters render the same bytes.
      return names.sort(compareText);
    },
  };
}
