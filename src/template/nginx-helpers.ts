// Helpers that shape catalog data into Nginx structure: upstream names, per-tag and per-metadata
// groups, routes.
import { isIPv6 } from 'node:net';
import { groupByMeta, MetaValueError } from './group-by-meta.ts';
import { groupByTag } from './group-by-tag.ts';
import { defineHelper, describeValue, type HelperCall, type HelperDefinition } from './helper-call.ts';
import { nginxIdentifier } from './nginx-identifier.ts';
import { routesFromServices } from './routes.ts';

export const nginxHelpers: Record<string, HelperDefinition> = {
  identifier: defineHelper('identifier', { params: ['text'], pure: true }, ([text], call) => nginxIdentifier(call.text(text, 'the value'))),

  // `server ::1:8080;` is no Nginx address (and fails the whole config's check): an IPv6 one goes in brackets.
  hostPort: defineHelper('hostPort', { params: ['address', 'port'], pure: true }, ([address, port], call) => {
    const host = call.text(address, 'the address');
    if (typeof port !== 'number' && typeof port !== 'string') call.fail(`the port must be a number, got ${describeValue(port)}`);
    return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  }),

  byTag: defineHelper('byTag', { params: ['instances'], pure: true }, ([instances], call) =>
    groupByTag(tagged(call, instances, 'the instances (from service)')),
  ),

  byMeta: defineHelper('byMeta', { params: ['instances', 'keys'], pure: true }, ([instances, keys], call) => {
    const described = call.list(instances, 'the instances (from service)').map((item) => {
      const meta = (item as { ServiceMeta?: unknown } | null)?.ServiceMeta;
      if (typeof item !== 'object' || item === null || typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
        return call.fail(`the instances (from service) must be a list of entries with ServiceMeta, got ${describeValue(item)} in it`);
      }
      return item as { ServiceMeta: Record<string, string> };
    });
    try {
      return groupByMeta(described, call.text(keys, 'the keys'));
    } catch (error) {
      if (error instanceof MetaValueError) call.fail(error.message);
      throw error;
    }
  }),

  // Prints nothing: the members of the upstream go to Nginx's workers apart from the output
  // (drcon lb -upstreams live), so that a change of members changes no file. The name is joined
  // from its parts with "_": `Upstream @index` names `{{Upstream}}_{{@index}}`.
  livePeers: defineHelper('livePeers', { params: ['instances', 'service', 'upstream'], variadic: true }, ([instances, service, ...upstream], call) => {
    const name = upstream.map((part) => call.text(part, 'the upstream name')).join('_');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) call.fail(`the upstream name must be an Nginx identifier (see identifier), got ${JSON.stringify(name)}`);
    call.render.liveUpstream({ upstream: name, service: call.text(service, 'the service name'), instances: call.list(instances, 'the instances (from service)') });
    return '';
  }),

  routes: defineHelper('routes', { params: ['services'] }, ([services], call) => {
    const entries = tagged(call, services, 'the services (from services)').map((entry) => ({
      ...entry,
      Name: call.text(entry['Name'], 'each service Name'),
    }));
    return routesFromServices(entries, (message) => call.render.note(message, 'warn'));
  }),
};

/** A list of objects that each carry a Tags list of text. */
function tagged(call: HelperCall, value: unknown, what: string): ({ Tags: string[] } & Record<string, unknown>)[] {
  return call.list(value, what).map((item) => {
    const tags = (item as { Tags?: unknown } | null)?.Tags;
    if (typeof item !== 'object' || item === null || !Array.isArray(tags)) {
      return call.fail(`${what} must be a list of entries with Tags, got ${describeValue(item)} in it`);
    }
    return { ...(item as Record<string, unknown>), Tags: tags.map((tag) => call.text(tag, 'each tag')) };
  });
}
