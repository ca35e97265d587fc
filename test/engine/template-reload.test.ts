// Template hot-reload on its own: real files and chokidar, a runner that only records what it is
// asked to render again. The files are watched from a moment the run chooses (its first render).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../harness/wait.ts';
import { createLogger } from '../../src/log/logger.ts';
import { reloadTemplatesOnChange } from '../../src/engine/template-reload.ts';
import type { Runner, RunnerJob } from '../../src/runner/runner.ts';
import { Template } from '../../src/template/template.ts';

const dir = mkdtempSync(join(tmpdir(), 'drcon-template-reload-'));

async function jobFor(name: string, text: string): Promise<RunnerJob> {
  const source = join(dir, name);
  writeFileSync(source, text);
  return { name: source, source, destination: join(dir, `${name}.out`), template: await Template.fromFile(source) };
}

function recordingRunner(): { runner: Runner; invalidated: string[] } {
  const invalidated: string[] = [];
  const runner = { invalidate: (jobs: readonly RunnerJob[]) => invalidated.push(...jobs.map((job) => job.name)) } as unknown as Runner;
  return { runner, invalidated };
}

const quiet = createLogger({ write: () => {} });

test('a file edited before its watch began is compiled again once it begins; one left as read is not', async () => {
  const edited = await jobFor('edited.hbs', 'before {{key "a"}}');
  const untouched = await jobFor('untouched.hbs', 'same {{key "b"}}');
  const { runner, invalidated } = recordingRunner();
  let begin: () => void = () => {};
  const stop = reloadTemplatesOnChange([edited, untouched], runner, quiet, 'SIGHUP', new Promise<void>((resolve) => (begin = resolve)));
  try {
    writeFileSync(edited.source, 'after {{key "a"}}');
    begin();
    await waitFor('the edited template compiled again', () => edited.template.source === 'after {{key "a"}}');
    await waitFor('asked to render it', () => invalidated.includes(edited.name));
    assert.deepEqual(invalidated, [edited.name]);
    assert.equal(untouched.template.source, 'same {{key "b"}}');
  } finally {
    await stop();
  }
});

test('an edit once watching is compiled again; a broken one keeps the last good template', async () => {
  const job = await jobFor('live.hbs', 'one {{key "a"}}');
  const { runner, invalidated } = recordingRunner();
  const lines: string[] = [];
  const stop = reloadTemplatesOnChange([job], runner, createLogger({ write: (line) => lines.push(line) }), 'SIGHUP', Promise.resolve());
  try {
    // Watching has begun once an edit is seen: edit until one is.
    await waitFor('an edit seen', () => {
      writeFileSync(job.source, 'two {{key "a"}}');
      return job.template.source === 'two {{key "a"}}';
    });
    const good = job.template;
    const before = invalidated.length;
    writeFileSync(job.source, 'broken {{#each (services)}}');
    await waitFor('the broken edit reported', () => lines.some((line) => /template not reloaded: .*live\.hbs:1:\d+/.test(line)));
    assert.equal(job.template, good);
    assert.ok(invalidated.length > before);
  } finally {
    await stop();
  }
});

test('stopped before its watch began: it stops at once and never watches, even when the moment comes', { timeout: 10_000 }, async () => {
  const job = await jobFor('never.hbs', 'x');
  const { runner, invalidated } = recordingRunner();
  let begin: () => void = () => {};
  const stop = reloadTemplatesOnChange([job], runner, quiet, 'SIGHUP', new Promise<void>((resolve) => (begin = resolve)));
  await stop();
  begin();
  writeFileSync(job.source, 'y');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(invalidated, []);
  assert.equal(job.template.source, 'x');
});

test('the reload signal is answered before the files are watched', { timeout: 10_000 }, async () => {
  const job = await jobFor('signalled.hbs', 'first');
  const { runner, invalidated } = recordingRunner();
  const stop = reloadTemplatesOnChange([job], runner, quiet, 'SIGHUP', new Promise<void>(() => {}));
  try {
    writeFileSync(job.source, 'second');
    process.emit('SIGHUP', 'SIGHUP');
    await waitFor('compiled again', () => job.template.source === 'second');
    await waitFor('asked to render it', () => invalidated.includes(job.name));
  } finally {
    await stop();
  }
});

test('a file removed before its watch began is reported once it begins; put back, it is compiled again', { timeout: 10_000 }, async () => {
  const job = await jobFor('removed.hbs', 'kept');
  const { runner, invalidated } = recordingRunner();
  const lines: string[] = [];
  let begin: () => void = () => {};
  const stop = reloadTemplatesOnChange([job], runner, createLogger({ write: (line) => lines.push(line) }), 'SIGHUP', new Promise<void>((resolve) => (begin = resolve)));
  try {
    unlinkSync(job.source);
    begin();
    await waitFor('the removal reported', () => lines.some((line) => line.includes('template file removed; keeping the last good output')));
    assert.equal(job.template.source, 'kept');
    assert.deepEqual(invalidated, []);
    writeFileSync(job.source, 'back');
    await waitFor('compiled again once put back', () => job.template.source === 'back');
  } finally {
    await stop();
  }
});
