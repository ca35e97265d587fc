// The runner's passes in process, against a real Consul agent: when it runs checks and commands,
// and when it lets them get their next run ready.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { waitFor } from '../../harness/wait.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { Action } from '../../src/runner/action.ts';
import { runTemplates } from '../../src/engine/run-templates.ts';
import { mergeSettings } from '../../src/config/settings.ts';

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

test('a pass prepares its check and command for their next run only after its last command', async () => {
  await consul.putKey('runner/value', 'one');
  const source = join(dir, 'app.hbs');
  writeFileSync(source, 'v={{key "runner/value"}}\n');
  const events: string[] = [];
  let stop: (status: number) => void = () => {};
  const finished = runTemplates({
    settings: mergeSettings({ consulAddresses: [consul.address], blockingWaitMs: 10_000, maxStaleMs: 2_000, minIntervalMs: 0 }),
    jobs: [{ source, destination: join(dir, 'app.out'), check: recordingAction('check', events), command: recordingAction('command', events) }],
    logger: createLogger({ write: () => {} }),
    until: new Promise<number>((resolve) => (stop = resolve)),
    handleStopSignals: false,
  });
  try {
    const pass = ['check run', 'command run', 'check prepare', 'command prepare'];
    await waitFor('the first pass', () => events.length === 4);
    await consul.putKey('runner/value', 'two');
    await waitFor('the second pass', () => events.length === 8);
    assert.deepEqual(events, [...pass, ...pass]);
  } finally {
    stop(0);
    await finished;
  }
});
