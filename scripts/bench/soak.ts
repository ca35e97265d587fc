// `--soak`: 10,000 catalog changes against a running `drcon lb` under steady traffic. A second
// instance of the balanced service is registered and deregistered as fast as Consul accepts;
// drcon coalesces the burst (-min-interval, default 200 ms) into reloads that each pass
// `nginx -t`. Reports the requests that failed (target 0), drcon's RSS after a warm-up and at the
// end (growth target < 10 %), the reload count and CPU. Both backends stay up the whole time, so
// any failed request is the balancer's doing.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';
import { startBackendProcess } from './backend-process.ts';
import { Cleanups, withCleanups } from './cleanups.ts';
import type { Figure, Section } from './figures.ts';
import { startLb } from './lb-process.ts';
import type { BenchContext, BenchMode } from './mode.ts';
import { processUsage } from './process-usage.ts';
import { startSteadyTraffic } from './soak-traffic.ts';

const service = 'soak';
const changes = 10_000;
/** Changes before the "start" RSS is taken: V8 grows its heap and compiles code at first. */
const warmUpChanges = 500;
/** Clients reusing keep-alive connections, and as many opening one per request. */
const trafficClients = 2;
/** Each client's pause between requests: a steady few hundred requests per second in all. */
const trafficPauseMs = 5;
const rssSampleEvery = 1_000;

export const soakBench: BenchMode = {
  flag: 'soak',
  describe: 'soak: 10,000 changes against a running drcon lb under steady traffic (failed requests, RSS growth, reloads, CPU)',
  byDefault: false,
  run: (context) => runSoak(context),
};

/** The soak as a function of its own, for the bench dispatcher or a script. */
export function runSoak(context: BenchContext): Promise<Section> {
  return withCleanups((cleanups) => soak(context, cleanups));
}

async function soak(context: BenchContext, cleanups: Cleanups): Promise<Section> {
  const { progress } = context;
  const root = mkdtempSync(join(tmpdir(), 'drcon-bench-soak-'));
  chmodSync(root, 0o711); // Nginx workers (another user when run as root) pass through it
  cleanups.defer(() => rmSync(root, { recursive: true, force: true }));

  progress('soak: starting consul agent -dev, two backends and drcon lb');
  const consul = await startConsul();
  cleanups.defer(() => consul.stop());
  const base = await startBackendProcess('base');
  cleanups.defer(() => base.stop());
  const extra = await startBackendProcess('extra');
  cleanups.defer(() => extra.stop());
  await register(consul, 'soak-base', base.port);

  const statusPort = await freePort();
  const lb = startLb({ consulAddress: consul.address, service, port: await freePort(), dir: join(root, 'lb'), extraArgs: ['-status-addr', `127.0.0.1:${statusPort}`] });
  cleanups.defer(() => lb.stop());
  await waitFor('drcon lb serving base', async () => (await fetch(lb.url).then((r) => r.text())).trim() === 'base', { timeoutMs: 30_000 });
  const rssAtStart = processUsage(lb.pid).rssBytes;

  const traffic = startSteadyTraffic(lb.url, trafficClients, trafficPauseMs);
  cleanups.defer(() => traffic.stop());
  const metricsBefore = await nginxMetrics(statusPort);
  const usageBefore = processUsage(lb.pid);
  const started = performance.now();
  const rssSamples: number[] = [];
  let rssAfterWarmUp = 0;
  for (let change = 0; change < changes; change++) {
    // Even changes register the second instance, odd ones deregister it: 10,000 ends deregistered.
    if (change % 2 === 0) await register(consul, 'soak-extra', extra.port);
    else await consul.deregisterService('soak-extra');
    if (change + 1 === warmUpChanges) rssAfterWarmUp = processUsage(lb.pid).rssBytes;
    if ((change + 1) % rssSampleEvery === 0) {
      rssSamples.push(processUsage(lb.pid).rssBytes);
      progress(`soak: ${change + 1} changes, ${traffic.count()} requests, drcon RSS ${mib(rssSamples.at(-1)!)} MiB`);
      if (!lb.running()) throw new Error(`drcon lb exited: ${lb.log().slice(-500)}`);
    }
  }
  const changesSeconds = (performance.now() - started) / 1000;
  await waitFor('final config without the second instance', () => !readFileSync(lb.appConfig, 'utf8').includes(`:${extra.port};`), { timeoutMs: 10_000 });
  // Traffic goes on a little after the last reload, then stops.
  await sleep(1_000);
  const result = await traffic.stop();
  const seconds = (performance.now() - started) / 1000;
  const usageAfter = processUsage(lb.pid);
  const metricsAfter = await nginxMetrics(statusPort);
  const rssAtEnd = usageAfter.rssBytes;
  if (!lb.running()) throw new Error(`drcon lb exited: ${lb.log().slice(-500)}`);
  // drcon logs each change of the data it watches: how many of the changes it saw (the others
  // came and went between two answers of its blocking query).
  const seen = lb.log().split('\n').filter((line) => line.includes(`health.service(${service}|passing): `)).length;
  const failed = result.keepAlive.failed + result.fresh.failed;
  const requests = failed + result.keepAlive.ok + result.fresh.ok;

  const reloads = metricsAfter.reloadsOk - metricsBefore.reloadsOk;
  const cpuSeconds = (usageAfter.cpuMs - usageBefore.cpuMs) / 1000;
  const figures: Figure[] = [
    { id: 'soak_changes', label: 'catalog changes (register/deregister of a second instance)', value: changes, unit: 'changes' },
    { id: 'soak_changes_seconds', label: 'time for the changes', value: changesSeconds, unit: 's' },
    { id: 'soak_changes_seen', label: 'changes drcon saw (the rest fell between two answers)', value: seen, unit: 'changes' },
    { id: 'soak_requests', label: 'requests sent during the soak', value: requests, unit: 'requests' },
    { id: 'soak_failed_requests', label: 'failed requests (not 200, or no answer)', value: failed, unit: 'requests', target: { atMost: 0 } },
    { id: 'soak_failed_keepalive', label: '  of them on reused keep-alive connections', value: result.keepAlive.failed, unit: 'requests' },
    { id: 'soak_failed_fresh', label: '  of them on fresh connections', value: result.fresh.failed, unit: 'requests', target: { atMost: 0 } },
    { id: 'soak_rss_start_mib', label: `drcon RSS after ${warmUpChanges} changes`, value: mib(rssAfterWarmUp), unit: 'MiB' },
    { id: 'soak_rss_end_mib', label: `drcon RSS after ${changes} changes`, value: mib(rssAtEnd), unit: 'MiB' },
    { id: 'soak_rss_growth_percent', label: 'drcon RSS growth over the soak', value: ((rssAtEnd - rssAfterWarmUp) / rssAfterWarmUp) * 100, unit: '%', target: { atMost: 10 } },
    { id: 'soak_reloads', label: 'Nginx reloads (configs that passed nginx -t)', value: reloads, unit: 'reloads' },
    { id: 'soak_check_failures', label: 'configs refused by nginx -t', value: metricsAfter.checkFailures - metricsBefore.checkFailures, unit: 'configs', target: { atMost: 0 } },
    { id: 'soak_drcon_cpu_seconds', label: 'drcon CPU (user + system) over the soak', value: cpuSeconds, unit: 's' },
    { id: 'soak_drcon_cpu_percent', label: 'drcon CPU, average share of one core', value: (cpuSeconds / seconds) * 100, unit: '%' },
    { id: 'soak_children_cpu_seconds', label: 'CPU of drcon\'s finished children (nginx -t runs)', value: (usageAfter.childrenCpuMs - usageBefore.childrenCpuMs) / 1000, unit: 's' },
  ];
  const answered = [...result.answeredBy].map(([name, count]) => `${name} ${count}`).join(', ');
  const notes = [
    `drcon RSS right after start ${mib(rssAtStart).toFixed(1)} MiB; every ${rssSampleEvery} changes: ${rssSamples.map((bytes) => mib(bytes).toFixed(1)).join(', ')} MiB`,
    `traffic: ${trafficClients} clients on keep-alive connections (${result.keepAlive.ok + result.keepAlive.failed} requests) and ${trafficClients} opening a connection per request (${result.fresh.ok + result.fresh.failed}), one request at a time each, ${trafficPauseMs} ms apart, never retried; answered by: ${answered}`,
    `reloads from drcon's /metrics (drcon_nginx_reloads_total, ok): one per render that changed app.conf; -min-interval 200ms (default) coalesces the changes`,
    ...(result.keepAlive.examples.length > 0 ? [`first failures on keep-alive connections: ${result.keepAlive.examples.join('; ')}`] : []),
    ...(result.fresh.examples.length > 0 ? [`first failures on fresh connections: ${result.fresh.examples.join('; ')}`] : []),
  ];
  return { id: 'soak', title: 'Soak. drcon lb under 10,000 changes and steady traffic', figures, notes };
}

function register(consul: ConsulAgent, id: string, port: number): Promise<void> {
  return consul.registerService({ ID: id, Name: service, Address: '127.0.0.1', Port: port });
}

function mib(bytes: number): number {
  return bytes / 2 ** 20;
}

/** drcon's own counts of Nginx reloads and refused configs, from its /metrics. */
async function nginxMetrics(statusPort: number): Promise<{ reloadsOk: number; checkFailures: number }> {
  const text = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  return {
    reloadsOk: value(/^drcon_nginx_reloads_total\{result="ok"\} (\d+)$/m),
    checkFailures: value(/^drcon_nginx_check_failures_total (\d+)$/m),
  };
}

