// `npm run bench`: drcon against a real Consul dev agent (and real Nginx) as separate processes,
// printing the figures beside their targets. Flags:
//   --render, --lb, --scale, --soak, --register
//                    run only the modes named (default: every mode marked byDefault; --scale
//                    takes about 5 minutes and runs only when named, as do --soak and
//                    --register, which needs podman and real containers)
//   --json FILE      also write the figures as JSON
//   --no-install     never apt-get install a missing load tool (wrk); use the Node load loop
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runAllCleanups } from './bench/cleanups.ts';
import { meetsTarget, type Section } from './bench/figures.ts';
import type { BenchContext, BenchMode } from './bench/mode.ts';
import { formatReport } from './bench/report.ts';
import { renderBench } from './bench/render-bench.ts';
import { lbBench } from './bench/lb-bench.ts';
import { scaleBench } from './bench/scale.ts';
import { soakBench } from './bench/soak.ts';
import { registerBench } from './bench/register-bench.ts';

const modes: BenchMode[] = [renderBench, lbBench, scaleBench, soakBench, registerBench];

function usage(): string {
  return [
    'usage: npm run bench -- [--json FILE] [--no-install] [mode flags]',
    ...modes.map((mode) => `  --${mode.flag.padEnd(10)} ${mode.describe}${mode.byDefault ? ' (default)' : ''}`),
  ].join('\n');
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      json: { type: 'string' },
      'no-install': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      ...Object.fromEntries(modes.map((mode) => [mode.flag, { type: 'boolean' as const, default: false }])),
    },
    strict: true,
  });
} catch (error) {
  console.error(`bench: ${(error as Error).message}\n${usage()}`);
  process.exit(2);
}
const flags = parsed.values as Record<string, string | boolean | undefined>;
if (flags.help) {
  console.log(usage());
  process.exit(0);
}
const chosen = modes.filter((mode) => flags[mode.flag] === true);
const selected = chosen.length > 0 ? chosen : modes.filter((mode) => mode.byDefault);

const startedAt = new Date();
const started = performance.now();
const loadAtStart = loadavg()[0]!;
const context: BenchContext = {
  allowInstall: flags['no-install'] !== true,
  progress: (message) => console.error(`bench [${((performance.now() - started) / 1000).toFixed(1)} s]: ${message}`),
};

// Interrupted: stop what the running mode started (Consul, drcon, Nginx), then exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}: stopping what was started`);
    void runAllCleanups().finally(() => process.exit(130));
  });
}

const sections: Section[] = [];
let failed = false;
for (const mode of selected) {
  try {
    sections.push(await mode.run(context));
  } catch (error) {
    failed = true;
    console.error(`bench: --${mode.flag} failed: ${(error as Error).stack ?? error}`);
    sections.push({ id: mode.flag, title: mode.describe, figures: [], notes: [`failed: ${(error as Error).message}`] });
  }
}
const durationS = (performance.now() - started) / 1000;

const environment = {
  node: process.version,
  consul: versionOf('consul', ['version']),
  nginx: versionOf('nginx', ['-v']) ?? versionOf('/usr/sbin/nginx', ['-v']),
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  loadAverageAtStart: loadAtStart,
  loadAverageAtEnd: loadavg()[0]!,
};
// Other work on the machine takes CPU from Consul, drcon and Nginx: say so beside the figures.
// Only the start counts: by the end the load average includes the bench's own load runs.
const busy = environment.loadAverageAtStart > environment.cpus / 2;
const header = [
  `drcon benchmark — ${startedAt.toISOString()}, total ${durationS.toFixed(1)} s`,
  `node ${environment.node}, ${environment.consul ?? 'consul ?'}, ${environment.nginx ?? 'nginx ?'}, ${environment.cpus} CPUs (${environment.cpuModel})`,
  `1-minute load average: ${environment.loadAverageAtStart.toFixed(2)} at the start, ${environment.loadAverageAtEnd.toFixed(2)} at the end (the bench's own load included)` +
    (busy ? ' — WARNING: the machine was busy with other work; timings are inflated and noisy' : ''),
];
console.log(formatReport(sections, header));

if (typeof flags.json === 'string') {
  const withVerdicts = sections.map((section) => ({ ...section, figures: section.figures.map((figure) => ({ ...figure, met: meetsTarget(figure) })) }));
  const json = { startedAt: startedAt.toISOString(), durationS, environment, sections: withVerdicts };
  writeFileSync(flags.json, JSON.stringify(json, null, 2) + '\n');
  console.error(`bench: figures written to ${flags.json}`);
}
process.exitCode = failed ? 1 : 0;

function versionOf(command: string, args: string[]): string | undefined {
  // nginx -v prints to stderr, consul version to stdout.
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) return undefined;
  return `${result.stdout}${result.stderr}`.split('\n')[0]?.trim() || undefined;
}
