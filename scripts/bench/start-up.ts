// Start-up costs of drcon as a user starts it: `drcon --version` to exit, and a watching
// `drcon render` from spawn to its first file. Several samples each (one start is noise).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { drconMain, startDrcon } from '../../harness/drcon.ts';
import { waitFor } from '../../harness/wait.ts';

/** Wall time of `drcon --version`, spawn to exit, in ms; one sample per run. */
export function versionCosts(samples: number): number[] {
  const costs: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [drconMain, '--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    costs.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`drcon --version exited ${result.status}: ${result.stderr}`);
  }
  return costs;
}

/** Spawn → first file of `drcon render` with `source` against `consulAddress`, in ms; one sample per start. */
export async function firstRenderCosts(consulAddress: string, source: string, dir: string, samples: number): Promise<number[]> {
  const costs: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const output = join(dir, `start-up-${sample}.out`);
    const started = performance.now();
    const drcon = startDrcon(['render', '-consul-addr', consulAddress, '-template', `${source}:${output}`]);
    try {
      await waitFor('first render', () => existsSync(output), { timeoutMs: 30_000, intervalMs: 1 });
      costs.push(performance.now() - started);
    } finally {
      await drcon.stop();
      rmSync(output, { force: true });
    }
  }
  return costs;
}
