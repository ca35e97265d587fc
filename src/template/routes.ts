// `routes`: URL routes announced by services through fabio-style tags, `urlprefix-/path` or
// `urlprefix-host/path` (anything after whitespace, like fabio's options, is ignored).
import { compareText } from '../dependency/text-order.ts';
import { nginxIdentifier } from './nginx-identifier.ts';

export interface Route {
  /** "" when the route is for any host. */
  Host: string;
  Path: string;
  Service: string;
  /** nginxIdentifier(Service): the upstream name a template gives the service. */
  Upstream: string;
}

const routeTag = /^urlprefix-([^/\s]*)(\/\S*)/;

/**
 * Routes sorted most specific first (longest path, then path, then host), as Nginx prefix
 * locations are best listed. A host+path claimed by two services goes to the first by name; each
 * such conflict is reported through `conflict`, since the two cannot both be served.
 */
export function routesFromServices(
  services: readonly { Name: string; Tags: readonly string[] }[],
  conflict: (message: string) => void,
): Route[] {
  const byPlace = new Map<string, Route>();
  for (const service of [...services].sort((a, b) => compareText(a.Name, b.Name))) {
    for (const tag of service.Tags) {
      const match = routeTag.exec(tag);
      if (match === null) continue;
      const [, host = '', path = '/'] = match;
      const place = `${host}${path}`;
      const taken = byPlace.get(place);
      if (taken === undefined) {
        byPlace.set(place, { Host: host, Path: path, Service: service.Name, Upstream: nginxIdentifier(service.Name) });
      } else if (taken.Service !== service.Name) {
        conflict(
          `route ${JSON.stringify(place)} is claimed by services ${JSON.stringify(taken.Service)} and ${JSON.stringify(service.Name)}; ${JSON.stringify(taken.Service)} gets it`,
        );
      }
    }
  }
  return [...byPlace.values()].sort(
    (a, b) => b.Path.length - a.Path.length || compareText(a.Path, b.Path) || compareText(a.Host, b.Host),
  );
}
