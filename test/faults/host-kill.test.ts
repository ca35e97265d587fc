// `kill -9` of drcon render at random moments during a churn of 500 catalog changes. A reader of
// the output file must only ever see a complete file, old or new, never a truncated or missing
// one; a restarted drcon converges to the final state.
//
// Every render is self-checking: a header with the instance count, one line per instance, and a
// sentinel line repeating the count. The test polls the file continuously and checks all three.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToEvents, setTimeout as sleep } from 'node:timers/promises';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { waitFor } from '../../harness/wait.ts';
import { processesWith } from '../../harness/processes.ts';

let consul: ConsulAgent;
let drcon: RunningDrcon | undefined;
const dir = mkdtempSync(join(tmpdir(), 'drcon-kill-'));

before(async () => {
  consul = await startConsul();
  await consul.putKey('churn/padding', paddingText);
});
after(async () => {
  await drcon?.stop('SIGKILL');
  await consul?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const changes = 500;
/** Consul's largest KV value; printed 4 times, it makes every render 2 MiB. */
const paddingText = 'x'.repeat(512 * 1024);
const kills = 12;

const template = [
  '{{#with (service "churn") as |list|}}',
  'count {{list.length}}',
  '{{#each list}}',
  'server {{Address}}:{{Port}};',
  '{{/each}}',
  // Bulk, so that writing the file takes long enough for some kills to land in the middle of it.
  '# {{key "churn/padding"}}{{key "churn/padding"}}{{key "churn/padding"}}{{key "churn/padding"}}',
  'end {{list.length}}',
  '{{else}}',
  'count 0',
  '# {{key "churn/padding"}}{{key "churn/padding"}}{{key "churn/padding"}}{{key "churn/padding"}}',
  'end 0',
  '{{/with}}',
  '',
].join('\n');

/** The ports in a complete render; throws, describing the file, when it is not one. */
function parseRender(text: string): number[] {
  const lines = text.split('\n');
  const header = /^count (\d+)$/.exec(lines[0] ?? '');
  const count = Number(header?.[1]);
  const padding = lines[count + 1];
  const sentinel = lines[count + 2];
  const rest = lines.slice(count + 3);
  const ports = lines.slice(1, count + 1).map((line) => Number(/^server 127\.0\.0\.1:(\d+);$/.exec(line)?.[1]));
  const complete = header !== null && padding === `# ${paddingText.repeat(4)}` && sentinel === `end ${count}` && rest.length === 1 && rest[0] === '' && ports.every(Number.isInteger);
  if (!complete) throw new Error(`not a complete render (${text.length} bytes): ${JSON.stringify(text.slice(-80))}`);
  return ports;
}

function startRender(source: string, out: string): RunningDrcon {
  return startDrcon(['render', '-consul-addr', consul.address, '-min-interval', '0s', '-template', `${source}:${out}`]);
}

test('kill -9 at random moments during 500 changes: the output is always a complete file; a restart converges', async () => {
  const source = join(dir, 'churn.hbs');
  writeFileSync(source, template);
  const out = join(dir, 'churn.out');
  // What a kill in the middle of a write leaves beside the output: a truncated temp file.
  writeFileSync(join(dir, '.churn.out.0123456789ab.tmp'), 'count 3\nserver 127.0.0.1:1;\n');
  drcon = startRender(source, out);
  await waitFor('first render', () => existsSync(out) && parseRender(readFileSync(out, 'utf8')).length === 0);

  // The reader: polls as fast as the event loop lets it, for the whole churn.
  let reading = true;
  let observations = 0;
  const seen = new Set<string>();
  const problems: string[] = [];
  const reader = (async () => {
    while (reading) {
      try {
        const text = readFileSync(out, 'utf8');
        parseRender(text);
        seen.add(createHash('sha256').update(text).digest('hex'));
      } catch (error) {
        problems.push((error as Error).message);
      }
      observations++;
      await yieldToEvents();
    }
  })();

  // The churn: instances come and go, one change every ~10 ms (drcon's blocking queries answer at
  // most every 50 ms, so it renders often but not every change); drcon is killed after randomly
  // chosen changes, at a random moment up to 60 ms later, which lands in its render and write at times.
  const registered = new Set<number>();
  const killAfter = new Set<number>();
  while (killAfter.size < kills) killAfter.add(1 + Math.floor(Math.random() * (changes - 2)));
  let killed = 0;
  const logs: string[] = [];
  for (let change = 0; change < changes; change++) {
    const port = 20_000 + Math.floor(Math.random() * 40);
    if (registered.has(port)) {
      await consul.deregisterService(`churn-${port}`);
      registered.delete(port);
    } else {
      await consul.registerService({ ID: `churn-${port}`, Name: 'churn', Address: '127.0.0.1', Port: port });
      registered.add(port);
    }
    if (killAfter.has(change)) {
      await sleep(Math.random() * 60);
      drcon.process.kill('SIGKILL');
      await drcon.stop();
      logs.push(drcon.output());
      killed++;
      drcon = startRender(source, out);
      // Kills during Node's start-up would test nothing: go on once it runs.
      await drcon.waitForOutput(/settings/);
    } else {
      await sleep(10);
    }
  }
  const expected = [...registered].sort((a, b) => a - b);
  await waitFor('restarted drcon converges to the final state', () => {
    const ports = parseRender(readFileSync(out, 'utf8'));
    return JSON.stringify([...ports].sort((a, b) => a - b)) === JSON.stringify(expected);
  });
  reading = false;
  await reader;
  logs.push(drcon.output());

  console.log(`kill -9: ${killed} kills during ${changes} changes; ${observations} reads, ${seen.size} distinct complete files, ${problems.length} bad`);
  assert.deepEqual(problems.slice(0, 5), [], `${problems.length} of ${observations} reads saw an incomplete file`);
  assert.equal(killed, kills);
  assert.ok(seen.size >= 20, `the reader saw the file change (${seen.size} distinct renders)`);
  // A kill in the middle of a write leaves its temp file; the next drcon removes it.
  const tidied = logs.join('').match(/removed temp files left by an interrupted write/g)?.length ?? 0;
  console.log(`kill -9: ${tidied} starts removed temp files of a write a kill interrupted (1 planted)`);
  assert.ok(tidied >= 1, 'the planted temp file was reported');
  assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), [], 'no temp file left beside the output');
});

test('kill -9: the shell held for the next command run exits without running it', async () => {
  const marker = `held-after-kill-${process.pid}`;
  const source = join(dir, 'held.hbs');
  const out = join(dir, 'held.out');
  const log = join(dir, 'held.log');
  writeFileSync(source, '{{#each (service "held")}}{{Port}} {{/each}}');
  const held = startDrcon(['render', '-consul-addr', consul.address, '-template', `${source}:${out}:echo ran >> ${log} # ${marker}`]);
  try {
    await waitFor('the first command run', () => existsSync(log) && readFileSync(log, 'utf8') === 'ran\n');
    const heldShell = () => processesWith(marker).filter((entry) => entry.commandLine.includes('read -r _'));
    await waitFor("the next run's shell, held", () => heldShell().length === 1 || undefined);
    held.process.kill('SIGKILL');
    await waitFor('no shell of that command left', () => processesWith(marker).length === 0 || undefined);
    assert.equal(readFileSync(log, 'utf8'), 'ran\n', 'the held shell ran its command');
  } finally {
    await held.stop('SIGKILL');
  }
});
