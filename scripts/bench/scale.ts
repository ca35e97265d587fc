// S. `--scale`: one template over the whole catalog (an edge balancer's upstreams), with 25, 100,
// 300, 1,000 and 3,000 services of ten instances each in a real Consul server (a single persistent
// server, not -dev: -dev pretty-prints every answer), drcon as its own process. Per size: time to
// the first (complete) file, peak connections to the agent, requests a minute at idle, the
// latency of single changes (register→file, deregister→file, critical→file, passing→file), RSS
// and idle CPU. Then the same at 1,000 services with tag and `any` filters, and a `tree` over
// 10,000 keys. drcon talks to Consul through a counting TCP proxy (one loopback hop). Sizes and
// budget can be chosen: scale-options.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointOf } from '../../src/consul/client.ts';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startDrcon } from '../../harness/drcon.ts';
import { Cleanups, withCleanups } from './cleanups.ts';
import { percentile, type Figure, type Section } from './figures.ts';
import type { BenchContext, BenchMode } from './mode.ts';
import { bareNodePeakRssBytes, processUsage } from './process-usage.ts';
import { BenchCatalog } from './scale-catalog.ts';
import { budgetArgs, scaleSizes } from './scale-options.ts';
import { occurrences, RenderedFile } from './scale-output.ts';
import { startCountingProxy, type CountingProxy } from './scale-proxy.ts';
import { sampleConnections } from '../../harness/socket-table.ts';
import { waitFor } from '../../harness/wait.ts';

const sizes = scaleSizes([25, 100, 300, 1_000, 3_000]);
const filteredAt = 1_000;
const kvKeys = 10_000;
/**
 * Long enough for every blocking query to come back at least once (Consul holds one 60 s plus up
 * to 1/16 of that) — for each size; the filter and KV runs only check CPU over a short one.
 */
const idleSeconds = 65;
const shortIdleSeconds = 10;
/** Each cycle: register, critical, deregister, passing — four single changes. */
const cycles = 8;
const settleMs = 100;
const changeTimeoutMs = 10_000;
const firstRenderTimeoutMs = 60_000;
const registrationSettleMs = 2_000;
/** How often the OS socket table is read; the proxy counts every connection in between. */
const socketSampleMs = 50;
/** A `from` past every request: asks the proxy for its counts only. */
const countsOnly = Number.MAX_SAFE_INTEGER;

const catalogTemplate = (serviceCall: string) =>
  `{{#each (services)}}upstream {{Name}} { {{#each ${serviceCall}}}server {{Address}}:{{Port}};{{else}}server 127.0.0.1:65535;{{/each}} }\n{{/each}}`;

export const scaleBench: BenchMode = {
  flag: 'scale',
  describe: 'S. scale: a template over 25/100/300/1,000/3,000 services × 10 instances; connections, idle requests, change latency',
  byDefault: false,
  run: (context) => withCleanups((cleanups) => measure(context, cleanups)),
};

interface Change {
  kind: string;
  apply(): Promise<void>;
}

/**
 * Where a size has targets of its own (measured against consul-template at 100 services), they
 * replace the general ones of the same figure.
 */
const sizeTargets: Record<number, Record<string, Figure['target']>> = {
  100: { first_render_ms: { atMost: 200 }, latency_p50_ms: { atMost: 7 }, latency_p99_ms: { atMost: 20 }, peak_rss_mb: { atMost: 80 } },
  1_000: { peak_rss_mb: { atMost: 150 } },
};

interface Scenario {
  id: string;
  label: string;
  /** The figures' targets where they differ from the general ones. */
  targets?: Record<string, Figure['target']>;
  idleSeconds: number;
  template: string;
  /** Whether a version of the file is complete: every upstream (or key) there. */
  isComplete(text: string): boolean;
  /** Whether the file shows the catalog as it is now (called after each change is made). */
  current(): (text: string) => boolean;
  changes: Change[];
}

async function measure({ progress }: BenchContext, cleanups: Cleanups): Promise<Section> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  progress('S: starting a single persistent Consul server');
  const consul = await startConsul({ persistent: true });
  cleanups.defer(() => consul.destroy());
  const proxy = await startCountingProxy('127.0.0.1', Number(consul.address.split(':').at(-1)));
  cleanups.defer(() => proxy.close());
  // A new server registers its own "consul" service after electing itself: let it settle first.
  await waitFor('the agent\'s own service', async () => ((await consul.api('GET', '/v1/health/service/consul?passing')) as unknown[]).length > 0 || undefined);
  const catalog = new BenchCatalog(consul.api);
  figures.push({ id: 'node_floor_peak_rss_mb', label: 'the floor: peak RSS of a bare `node -e` (same binary)', value: bareNodePeakRssBytes() / 2 ** 20, unit: 'MiB' });

  for (const size of sizes) {
    const started = performance.now();
    await catalog.growTo(size);
    progress(`S: ${size} services × 10 instances registered (${Math.round(performance.now() - started)} ms)`);
    // A bulk import keeps the server busy a moment (Raft snapshots): not drcon's start-up.
    await sleep(registrationSettleMs);
    const label = `${size.toLocaleString('en')} services`;
    const allChecks = await allChecksCost(consul, 5);
    figures.push({
      id: `s${size}_consul_all_checks_ms`,
      label: `${label}: Consul's list of every check (${(allChecks.bytes / 2 ** 20).toFixed(1)} MiB), one GET, p50 of 5`,
      value: allChecks.p50Ms,
      unit: 'ms',
    });
    const scenario: Scenario = {
      id: `s${size}`,
      label,
      targets: sizeTargets[size],
      idleSeconds,
      template: catalogTemplate('(service Name)'),
      isComplete: (text) => occurrences(text, 'upstream ') === size + 1, // + the agent's own "consul"
      current: () => {
        const passing = catalog.passing;
        return (text) => occurrences(text, 'server 10.1') === passing;
      },
      changes: singleChanges(catalog, size),
    };
    await runScenario(scenario, { progress, proxy, figures, notes, cleanups });

    if (size === filteredAt) {
      // With `any`, a check turning critical changes nothing: only registrations count here.
      const filtered: Scenario = {
        id: `s${size}_filters`,
        label: `${label}, tag="bench" filter="any"`,
        idleSeconds: shortIdleSeconds,
        template: catalogTemplate('(service Name tag="bench" filter="any")'),
        isComplete: scenario.isComplete,
        current: scenario.current,
        changes: singleChanges(catalog, size).filter((change) => change.kind === 'register' || change.kind === 'deregister'),
      };
      await runScenario(filtered, { progress, proxy, figures, notes, cleanups });
    }
  }

  progress(`S: writing ${kvKeys.toLocaleString('en')} keys`);
  await putKeys(consul, kvKeys);
  const values = new Map<string, string>();
  const keyName = (index: number) => `key-${String(index).padStart(5, '0')}`;
  const tree: Scenario = {
    id: 'kv_tree',
    label: `tree over ${kvKeys.toLocaleString('en')} keys`,
    idleSeconds: shortIdleSeconds,
    template: '{{#each (tree "bench-kv")}}{{Key}} {{Value}}\n{{/each}}',
    isComplete: (text) => occurrences(text, '\n') === kvKeys,
    current: () => {
      const expected = [...values].map(([key, value]) => `${key} ${value}\n`);
      return (text) => expected.every((line) => text.includes(line));
    },
    changes: Array.from({ length: 2 * cycles }, (_, index) => ({
      kind: 'put',
      apply: async () => {
        const key = keyName((index * 4_999) % kvKeys);
        values.set(key, `changed-${index}`);
        await consul.putKey(`bench-kv/${key}`, `changed-${index}`);
      },
    })),
  };
  await runScenario(tree, { progress, proxy, figures, notes, cleanups });

  notes.push(
    `blocking-query budget: ${budgetArgs()[1] ?? "drcon's default"} (BENCH_SCALE_BUDGET); sizes: ${sizes.join(', ')} services (BENCH_SCALE_SIZES)`,
    'drcon reaches Consul through a counting TCP proxy (one loopback hop per request); ' +
      `connections are sampled every ${socketSampleMs} ms from the OS socket table (drcon's established sockets whose remote port is the proxy's), ` +
      'and the proxy (in a worker thread) counts every connection exactly ("proxy" figures); each drcon connection is one agent connection.',
    `latency: from sending the Consul write (its commit included) to inotify reporting the renamed file whose content shows the change; ${cycles * 4} single changes per size (register, critical, deregister, passing in turn), ${settleMs} ms apart`,
    `idle: ${idleSeconds} s without changes (${shortIdleSeconds} s for the filter and KV runs), starting 2 s after the first render; requests a minute scaled from that window`,
    `first render: from spawning drcon (Node start and module loading included) to the complete file; each size starts ${registrationSettleMs / 1000} s after its bulk registration`,
  );
  return { id: 'scale', title: scaleBench.describe, figures, notes };
}

/** How long the agent takes to answer the list of every check (what registrations wait for). */
async function allChecksCost(consul: ConsulAgent, samples: number): Promise<{ p50Ms: number; bytes: number }> {
  const costs: number[] = [];
  let bytes = 0;
  for (let sample = 0; sample < samples; sample++) {
    const started = performance.now();
    const response = await fetch(`${consul.url}/v1/health/state/any`);
    bytes = (await response.arrayBuffer()).byteLength;
    costs.push(performance.now() - started);
  }
  return { p50Ms: percentile(costs, 50)!, bytes };
}

function singleChanges(catalog: BenchCatalog, size: number): Change[] {
  const changes: Change[] = [];
  for (let cycle = 0; cycle < cycles; cycle += 1) {
    // Spread over the catalog; a different service for the instance and for the check.
    const registered = (cycle * 7_919) % size;
    const checked = (cycle * 104_729 + 1) % size;
    changes.push(
      { kind: 'register', apply: () => catalog.registerInstance(registered) },
      { kind: 'critical', apply: () => catalog.setCheck(checked, 'critical') },
      { kind: 'deregister', apply: () => catalog.deregisterInstance() },
      { kind: 'passing', apply: () => catalog.setCheck(checked, 'passing') },
    );
  }
  return changes;
}

interface Run {
  progress(message: string): void;
  proxy: CountingProxy;
  figures: Figure[];
  notes: string[];
  cleanups: Cleanups;
}

async function runScenario(scenario: Scenario, { progress, proxy, figures, notes, cleanups }: Run): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'drcon-bench-scale-'));
  cleanups.defer(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'upstreams.hbs');
  const output = join(dir, 'upstreams.conf');
  writeFileSync(source, scenario.template);
  const file = new RenderedFile(output, scenario.isComplete);
  cleanups.defer(() => file.close());

  progress(`S: ${scenario.label}: starting drcon render`);
  await proxy.resetPeak();
  const requestsBefore = (await proxy.stats(countsOnly)).requestCount;
  const spawnedAt = performance.now();
  const drcon = startDrcon(['render', '-consul-addr', proxy.address, ...budgetArgs(), '-template', `${source}:${output}`]);
  cleanups.defer(() => drcon.stop());
  const pid = drcon.process.pid!;
  const sockets = sampleConnections(pid, proxy.port, socketSampleMs);
  cleanups.defer(() => sockets.stop());

  const firstAt = await file.next(scenario.current(), firstRenderTimeoutMs);
  const figure = (name: string, labelText: string, value: number | undefined, unit: string, target?: Figure['target']) =>
    figures.push({ id: `${scenario.id}_${name}`, label: `${scenario.label}: ${labelText}`, value, unit, target: scenario.targets?.[name] ?? target });
  figure('first_render_ms', 'first render', firstAt === undefined ? undefined : firstAt - spawnedAt, 'ms', { atMost: 2000 });
  if (firstAt === undefined) {
    notes.push(`${scenario.label}: no complete file within ${firstRenderTimeoutMs} ms; drcon said: ${drcon.output().slice(-500)}`);
    await drcon.stop();
    sockets.stop();
    return;
  }
  const startupRequests = (await proxy.stats(countsOnly)).requestCount - requestsBefore;

  await sleep(2_000);
  const { idleSeconds } = scenario;
  progress(`S: ${scenario.label}: ${idleSeconds} s idle`);
  const idleRequestsFrom = (await proxy.stats(countsOnly)).requestCount;
  const idleStart = processUsage(pid);
  await sleep(idleSeconds * 1_000);
  const idleEnd = processUsage(pid);
  const idle = await proxy.stats(idleRequestsFrom);
  const idleRequests = idle.paths.slice(0, idle.requestCount - idleRequestsFrom);
  const changeRequestsFrom = idle.requestCount;

  progress(`S: ${scenario.label}: ${scenario.changes.length} single changes`);
  const latencies = new Map<string, number[]>();
  let missed = 0;
  for (const change of scenario.changes) {
    // Timed from sending the write, Consul's commit included: timed from its answer, a busy bench
    // process can read its answer after drcon has already rendered the change.
    const madeAt = performance.now();
    await change.apply();
    const shownAt = await file.next(scenario.current(), changeTimeoutMs);
    if (shownAt === undefined) missed += 1;
    else latencies.set(change.kind, [...(latencies.get(change.kind) ?? []), shownAt - madeAt]);
    await sleep(settleMs);
  }
  const end = processUsage(pid);
  const changed = await proxy.stats(changeRequestsFrom);
  sockets.stop();
  await drcon.stop();
  file.close();

  const all = [...latencies.values()].flat();
  // Well under the agent's 200 connections per client address (the blocking-query budget is 128).
  figure('peak_connections', 'peak connections (socket table)', sockets.peak, '', { atMost: 150 });
  figure('peak_connections_proxy', 'peak connections (proxy)', changed.peak, '', { atMost: 150 });
  figure('idle_requests_per_min', 'requests a minute at idle', (idleRequests.length * 60) / idleSeconds, '/min', { atMost: 120 });
  figure('latency_p50_ms', 'single change p50', percentile(all, 50), 'ms', { atMost: 20 });
  figure('latency_p99_ms', 'single change p99', percentile(all, 99), 'ms', { atMost: 100 });
  figure('rss_mb', 'RSS at the end', end.rssBytes / 2 ** 20, 'MiB', { atMost: 120 });
  figure('peak_rss_mb', 'peak RSS', end.peakRssBytes / 2 ** 20, 'MiB', { atMost: 120 });
  figure('idle_cpu_percent', 'idle CPU', ((idleEnd.cpuMs - idleStart.cpuMs) / (idleSeconds * 1_000)) * 100, '% of a core', { atMost: 1 });
  figure('incomplete_files', 'incomplete files written', file.incomplete, '', { atMost: 0 });

  const byKind = [...latencies].map(([kind, samples]) => `${kind} p50 ${round(percentile(samples, 50))} / max ${round(Math.max(...samples))} ms (${samples.length})`);
  notes.push(
    `${scenario.label}: ${byKind.join('; ')}${missed > 0 ? `; ${missed} changes not shown within ${changeTimeoutMs} ms` : ''}; ` +
      `${file.versions} file versions read; ${startupRequests} requests up to the first render; ` +
      `idle requests: ${summarisePaths(idleRequests) || 'none'}; requests during the changes: ${summarisePaths(changed.paths)}`,
  );
}

async function putKeys(consul: ConsulAgent, count: number): Promise<void> {
  const ops = Array.from({ length: count }, (_, index) => ({
    KV: { Verb: 'set', Key: `bench-kv/key-${String(index).padStart(5, '0')}`, Value: Buffer.from(`value-${index}`).toString('base64') },
  }));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ops.length) {
        const batch = ops.slice(next, next + 64);
        next += 64;
        await consul.api('PUT', '/v1/txn', batch);
      }
    }),
  );
}

/** "/v1/health/state ×2, /v1/health/service ×40" (by endpoint: names and query strings dropped). */
function summarisePaths(paths: string[]): string {
  const counts = new Map<string, number>();
  for (const path of paths) {
    const endpoint = endpointOf(path.split('?')[0]!);
    counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
  }
  return [...counts].map(([path, count]) => `${path} ×${count}`).join(', ');
}

function round(value: number | undefined): string {
  return value === undefined ? 'n/a' : value < 10 ? value.toFixed(1) : String(Math.round(value));
}
