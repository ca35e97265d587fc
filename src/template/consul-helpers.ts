// Helpers that read Consul data: each names a dependency and reads it through the render context.
// Data that has not arrived yet reads as empty (see RenderContext.read).
import { catalogNodes } from '../dependency/catalog-nodes.ts';
import { catalogServices } from '../dependency/catalog-services.ts';
import { healthService } from '../dependency/health-service.ts';
import { kvKey } from '../dependency/kv-key.ts';
import { directChildren, kvList } from '../dependency/kv-list.ts';
import { KvPathError } from '../dependency/kv-path.ts';
import { isDatacenterName, parseServiceQuery, ServiceQueryError } from '../dependency/service-query.ts';
import { defineHelper, type HelperCall, type HelperDefinition } from './helper-call.ts';

export const consulHelpers: Record<string, HelperDefinition> = {
  service: defineHelper('service', { params: ['query'], hash: ['tag', 'dc', 'filter'] }, ([query], call) => {
    const parsed = rethrowAsCallError(call, () =>
      parseServiceQuery(call.text(query, 'the service query'), {
        tag: call.option('tag'),
        dc: call.option('dc'),
        filter: call.option('filter'),
      }),
    );
    return call.render.read(healthService(parsed), []);
  }),

  services: defineHelper('services', { params: [], hash: ['dc'] }, (_args, call) =>
    call.render.read(catalogServices(datacenter(call)), []),
  ),

  nodes: defineHelper('nodes', { params: [], hash: ['dc'] }, (_args, call) =>
    call.render.read(catalogNodes(datacenter(call)), []),
  ),

  // Like consul-template, a key that does not exist holds the whole output back until it does.
  key: defineHelper('key', { params: ['key'] }, (args, call) => {
    // Handlebars calls a helper in place of a data variable of the same name (handlebars.js#1465),
    // so `{{@key}}` in an #each over ServiceMeta lands here, without arguments; `{{key}}` written
    // as such never gets this far (the load-time check wants its argument).
    if (args.length === 0) return call.dataVariable('key');
    const [key] = args;
    const dependency = rethrowAsCallError(call, () => kvKey(call.text(key, 'the key')));
    const entry = call.render.read(dependency, undefined);
    if (entry === undefined) return '';
    if (!entry.exists) call.render.waitForKey(dependency.key);
    return entry.value;
  }),

  keyOrDefault: defineHelper('keyOrDefault', { params: ['key', 'default'] }, ([key, fallback], call) => {
    const dependency = rethrowAsCallError(call, () => kvKey(call.text(key, 'the key')));
    const entry = call.render.read(dependency, { exists: false, value: '' });
    return entry.exists ? entry.value : call.text(fallback, 'the default');
  }),

  ls: defineHelper('ls', { params: ['prefix'] }, ([prefix], call) =>
    directChildren(call.render.read(kvListFor(call, prefix), [])),
  ),

  tree: defineHelper('tree', { params: ['prefix'] }, ([prefix], call) => call.render.read(kvListFor(call, prefix), [])),

  env: defineHelper('env', { params: ['name'] }, ([name], call) => call.render.env[call.text(name, 'the name')] ?? ''),
};

function kvListFor(call: HelperCall, prefix: unknown) {
  return rethrowAsCallError(call, () => kvList(call.text(prefix, 'the prefix')));
}

function datacenter(call: HelperCall): string | undefined {
  const dc = call.option('dc');
  if (dc !== undefined && !isDatacenterName(dc)) {
    call.fail(`datacenter ${JSON.stringify(dc)} may only contain letters, digits, ".", "_" and "-"`);
  }
  return dc;
}

/** A query the dependency layer refuses is a mistake in the call: report it at the call. */
function rethrowAsCallError<T>(call: HelperCall, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ServiceQueryError || error instanceof KvPathError) call.fail(error.message);
    throw error;
  }
}
