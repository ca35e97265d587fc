// The runner's passes in process, against a real Consul agent: when it runs checks and commands,
// and when it lets them get their next run ready.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { waitFor } from '../../harness/wait.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import type { Action } from '../../src/runner/action.ts';
import { runTemplates, type RunTemplatesOptions } from '../../src/engine/run-templates.ts';
import { mergeSettings, type PartialSettings } from '../../src/config/settings.ts';

let consul: ConsulAgent;
const dir = mkdtempSync(join(tmpdir(), 'drcon-runner-'));

before(async () => {
  consul = await startConsul();
});
after(async () => {
  await consul?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** An action that records its runs and preparations in `events`. */
function recordingAction(name: string, events: string[]): Action {
  return {
    name,
    async run() {
      events.push(`${name} run`);
      return { ok: true, timedOut: false, durationMs: 0, output: '' };
    },
    prepare: () => events.push(`${name} prepare`),
  };
}

/** Runs drcon's engine in process on `job`; `stop` ends the run and resolves once it has ended. */
function runInProcess(job: RunTemplatesOptions['jobs'][number], logger: Logger, settings: PartialSettings = {}): { stop: () => Promise<void> } {
  let end: (status: number) => void = () => {};
  const finished = runTemplates({
    settings: mergeSettings({ consulAddresses: [consul.address], blockingWaitMs: 10_000, maxStaleMs: 2_000, minIntervalMs: 0, ...settings }),
    jobs: [job],
    logger,
    until: new Promise<number>((resolve) => (end = resolve)),
    handleStopSignals: false,
  });
  return {
    stop: async () => {
      end(0);
      await finished;
    },
  };
}

test('the first pass does not wait for quiet: its queries start at once, their answers wait', async () => {
  await consul.putKey('runner/quiet', 'one');
  const source = join(dir, 'quiet.hbs');
  writeFileSync(source, 'v={{key "runner/quiet"}}\n');
  const lines: string[] = [];
  // A quiet window far longer than the test: only what does not wait for it can be seen.
  const run = runInProcess({ source, destination: join(dir, 'quiet.out') }, createLogger({ level: 'debug', write: (line) => lines.push(line) }), {
    wait: { minMs: 600_000, maxMs: 600_000 },
  });
  try {
    await waitFor('the query started', () => lines.some((line) => /watching dependency=kv\.key\(runner\/quiet\)/.test(line)));
    assert.ok(!existsSync(join(dir, 'quiet.out')), 'the answer was rendered without waiting for quiet');
  } finally {
    await run.stop();
  }
});

test('a pass prepares its check and command for their next run only after its last command', async () => {
  await consul.putKey('runner/value', 'one');
  const source = join(dir, 'app.hbs');
  writeFileSync(source, 'v={{key "runner/value"}}\n');
  const events: string[] = [];
  const run = runInProcess(
    { source, destination: join(dir, 'app.out'), check: recordingAction('check', events), command: recordingAction('command', events) },
    createLogger({ write: () => {} }),
  );
  try {
    const pass = ['check run', 'command run', 'check prepare', 'command prepare'];
    await waitFor('the first pass', () => events.length === 4);
    await consul.putKey('runner/value', 'two');
    await waitFor('the second pass', () => events.length === 8);
    assert.deepEqual(events, [...pass, ...pass]);
  } finally {
    await run.stop();
  }
});

test('a render logs its `log` output and route conflicts, once per render that makes them', async () => {
  await consul.putKey('runner/logged', 'first');
  await consul.registerService({ ID: 'api-1', Name: 'api', Address: '10.1.0.1', Port: 80, Tags: ['urlprefix-/api'] });
  await consul.registerService({ ID: 'api2-1', Name: 'api2', Address: '10.1.0.2', Port: 80, Tags: ['urlprefix-/api'] });
  const source = join(dir, 'logged.hbs');
  writeFileSync(source, '{{log "value is" (key "runner/logged") level="warn"}}{{#each (routes (services))}}{{Path}} {{Service}}\n{{/each}}');
  const lines: string[] = [];
  const run = runInProcess({ source, destination: join(dir, 'logged.out') }, createLogger({ format: 'json', write: (line) => lines.push(line) }));
  const notes = () =>
    lines
      .map((line) => JSON.parse(line) as { level: string; msg: string })
      .filter((entry) => entry.msg.startsWith('log (line 1)') || entry.msg.startsWith('route '))
      .map((entry) => `${entry.level} ${entry.msg}`);
  const conflict = 'warn route "/api" is claimed by services "api" and "api2"; "api" gets it';
  try {
    await waitFor('the first render logged', () => notes().includes('warn log (line 1): value is first'));
    await consul.putKey('runner/logged', 'second');
    await waitFor('the second render logged', () => notes().includes('warn log (line 1): value is second'));
    assert.deepEqual(notes(), ['warn log (line 1): value is first', conflict, 'warn log (line 1): value is second', conflict]);
  } finally {
    await run.stop();
    await consul.deregisterService('api-1');
    await consul.deregisterService('api2-1');
  }
});

test("a job's live sink gets every complete render's upstreams before its file is checked, and whether the file changes", async () => {
  await consul.registerService({ ID: 'live-1', Name: 'livesvc', Address: '10.0.0.1', Port: 80 });
  await consul.putKey('runner/structure', 'one');
  const source = join(dir, 'live.hbs');
  writeFileSync(source, '{{livePeers (service "livesvc") "livesvc" "livesvc"}}structure={{key "runner/structure"}}\n');
  const events: string[] = [];
  const live = {
    async publish(upstreams: readonly { upstream: string; instances: readonly unknown[] }[], structureChanged: boolean) {
      events.push(`publish ${upstreams.map((upstream) => `${upstream.upstream}×${upstream.instances.length}`).join(' ')}${structureChanged ? ' with a new file' : ''}`);
      return 'sent' as const;
    },
  };
  let stop: (status: number) => void = () => {};
  const finished = runTemplates({
    settings: mergeSettings({ consulAddresses: [consul.address], blockingWaitMs: 10_000, maxStaleMs: 2_000, minIntervalMs: 0 }),
    jobs: [{ source, destination: join(dir, 'live.out'), check: recordingAction('check', events), command: recordingAction('command', events), live }],
    logger: createLogger({ write: () => {} }),
    until: new Promise<number>((resolve) => (stop = resolve)),
    handleStopSignals: false,
  });
  const runs = () => events.filter((event) => !event.endsWith('prepare'));
  try {
    await waitFor('the first pass', () => runs().length === 3);
    await consul.registerService({ ID: 'live-2', Name: 'livesvc', Address: '10.0.0.2', Port: 80 });
    await waitFor('the second pass', () => runs().length === 4);
    await consul.putKey('runner/structure', 'two');
    await waitFor('the third pass', () => runs().length === 7);
    assert.deepEqual(runs(), [
      'publish livesvc×1 with a new file', 'check run', 'command run',
      'publish livesvc×2',
      'publish livesvc×2 with a new file', 'check run', 'command run',
    ]);
  } finally {
    stop(0);
    await finished;
    await consul.deregisterService('live-1');
    await consul.deregisterService('live-2');
  }
});
