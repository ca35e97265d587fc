// Helpers that read Consul data: each names a dependency and reads it through the render context.
// Data that has not arrived yet reads as empty (see RenderContext.read).
import { agentNodeName } from '../dependency/agent-node-name.ts';
import { catalogDatacenters } from '../dependency/catalog-datacenters.ts';
import { catalogNode, NodeQueryError } from '../dependency/catalog-node.ts';
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

  // `(services "@dc2")` as in consul-template, or `(services dc="dc2")`.
  services: defineHelper('services', { params: ['@dc'], optional: 1, hash: ['dc'] }, ([at], call) =>
    call.render.read(catalogServices(datacenter(call, at)), []),
  ),

  nodes: defineHelper('nodes', { params: ['@dc'], optional: 1, hash: ['dc'] }, ([at], call) =>
    call.render.read(catalogNodes(datacenter(call, at)), []),
  ),

  // One node and its services, or nothing (for `#with`) when the catalog has no such node;
  // without a name, the node of the agent drcon asks.
  node: defineHelper('node', { params: ['name'], optional: 1, hash: ['dc'] }, ([name], call) => {
    const text = name === undefined ? call.render.read(agentNodeName(), undefined) : call.text(name, 'the node name');
    if (text === undefined) return null;
    const dependency = rethrowAsCallError(call, () => catalogNode(text, call.option('dc')));
    return call.render.read(dependency, null);
  }),

  datacenters: defineHelper('datacenters', { params: [] }, (_args, call) => call.render.read(catalogDatacenters(), [])),

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

  // Whether a key exists; reads the same watch as `key`, and never holds the output back.
  keyExists: defineHelper('keyExists', { params: ['key'] }, ([key], call) => {
    const dependency = rethrowAsCallError(call, () => kvKey(call.text(key, 'the key')));
    return call.render.read(dependency, { exists: false, value: '' }).exists;
  }),

  ls: defineHelper('ls', { params: ['prefix'] }, ([prefix], call) =>
    directChildren(call.render.read(kvListFor(call, prefix), [])),
  ),

  tree: defineHelper('tree', { params: ['prefix'] }, ([prefix], call) => call.render.read(kvListFor(call, prefix), [])),

  // consul-template's guard: while the prefix holds no key at all (wiped, or not written yet),
  // the output is held back, as for a missing `key`, instead of rendering an empty list.
  safeLs: defineHelper('safeLs', { params: ['prefix'] }, ([prefix], call) => directChildren(safeList(call, prefix))),

  safeTree: defineHelper('safeTree', { params: ['prefix'] }, ([prefix], call) => safeList(call, prefix)),

  env: defineHelper('env', { params: ['name'] }, ([name], call) => call.render.env[call.text(name, 'the name')] ?? ''),
};

function kvListFor(call: HelperCall, prefix: unknown) {
  return rethrowAsCallError(call, () => kvList(call.text(prefix, 'the prefix')));
}

function safeList(call: HelperCall, prefix: unknown) {
  const dependency = kvListFor(call, prefix);
  const pairs = call.render.read(dependency, undefined);
  if (pairs === undefined) return [];
  if (pairs.length === 0) call.render.waitForKey(dependency.folder);
  return pairs;
}

/** The datacenter of `(services "@dc")` or `dc=`; both given must agree. */
function datacenter(call: HelperCall, at?: unknown): string | undefined {
  const fromText = at === undefined ? undefined : call.text(at, 'the datacenter');
  if (fromText !== undefined && !fromText.startsWith('@')) call.fail(`the datacenter is written "@name", got ${JSON.stringify(fromText)}`);
  const fromOption = call.option('dc');
  if (fromText !== undefined && fromOption !== undefined && fromText.slice(1) !== fromOption) {
    call.fail(`datacenter given twice: ${JSON.stringify(fromText)} and dc=${JSON.stringify(fromOption)}`);
  }
  const dc = fromText === undefined ? fromOption : fromText.slice(1);
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
    if (error instanceof ServiceQueryError || error instanceof KvPathError || error instanceof NodeQueryError) call.fail(error.message);
    throw error;
  }
}
