// Broken templates through the real command line: `drcon render -once` must exit non-zero with
// one line naming file:line:col, whatever the template holds — syntax errors, unknown helpers,
// helpers called the wrong way, binary junk, 10 MB of expressions, recursion. Never a crash, a
// stack trace or a hang.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { runDrcon, type DrconRun } from '../../harness/drcon.ts';

let consul: ConsulAgent;
const dir = mkdtempSync(join(tmpdir(), 'drcon-hostile-template-'));

before(async () => {
  consul = await startConsul();
  await consul.putKey('hostile/k', 'v');
  await consul.registerService({ ID: 'tpl-1', Name: 'tpl', Address: '127.0.0.1', Port: 8080 });
});
after(async () => {
  await consul?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function renderOnce(name: string, content: string | Buffer): Promise<{ run: DrconRun; source: string; out: string }> {
  const source = join(dir, name);
  writeFileSync(source, content);
  const out = join(dir, `${name}.out`);
  const run = await runDrcon(['render', '-once', '-consul-addr', consul.address, '-template', `${source}:${out}`], { timeoutMs: 60_000 });
  return { run, source, out };
}

/** Non-zero exit, and stderr is exactly one line naming the template at `line:column`, then `problem`. */
function assertOneLineError(run: DrconRun, source: string, position: string, problem: RegExp): void {
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  const at = lines[0]!.indexOf(`${source}:${position}: `);
  assert.ok(at >= 0, `names ${source}:${position}: ${lines[0]}`);
  assert.match(lines[0]!.slice(at + source.length + position.length + 3), problem);
}

const cases: { name: string; content: string; position: string; problem: RegExp }[] = [
  { name: 'open.hbs', content: 'server {\n  {{', position: '2:5', problem: /^syntax error: unexpected end of template/ },
  { name: 'unclosed.hbs', content: 'a\n{{#each (service "tpl")}}x', position: '2:27', problem: /^syntax error: unexpected end of template/ },
  { name: 'stray-close.hbs', content: 'a {{/each}}', position: '1:3', problem: /^syntax error: unexpected "\{\{\/"/ },
  { name: 'mismatch.hbs', content: '{{#each (services)}}\n{{/if}}', position: '1:4', problem: /each doesn't match if/ },
  { name: 'bad-hash.hbs', content: '{{#each (service "tpl" tag=)}}{{/each}}', position: '1:28', problem: /^syntax error/ },
  { name: 'unknown.hbs', content: 'x\n  {{nosuch "a"}}', position: '2:3', problem: /^unknown helper "nosuch"/ },
  { name: 'unknown-sub.hbs', content: '{{#each (nosuch)}}{{/each}}', position: '1:9', problem: /^unknown helper "nosuch"/ },
  { name: 'unknown-block.hbs', content: '{{#nosuch 1}}x{{/nosuch}}', position: '1:1', problem: /^unknown helper "nosuch"/ },
  { name: 'no-args.hbs', content: '{{#each (service)}}{{/each}}', position: '1:9', problem: /^service takes 1 parameter \(query\), got 0/ },
  { name: 'two-args.hbs', content: '{{key "a" "b"}}', position: '1:1', problem: /^key takes 1 parameter \(key\), got 2/ },
  { name: 'bad-option.hbs', content: '{{#each (service "tpl" color="red")}}{{/each}}', position: '1:24', problem: /^service has no option color=/ },
  { name: 'block-as-value.hbs', content: '{{each (services)}}', position: '1:1', problem: /^each is a block helper/ },
  { name: 'value-as-block.hbs', content: '{{#key "a"}}x{{/key}}', position: '1:1', problem: /^key is not a block helper/ },
  { name: 'unknown-partial.hbs', content: '{{> nothere}}', position: '1:1', problem: /^unknown partial "nothere"/ },
  { name: 'decorator.hbs', content: '{{* decorate}}', position: '1:1', problem: /^decorators are not supported/ },
  // Errors that only show with data: the render fails, the exit status says so.
  { name: 'key-of-list.hbs', content: 'k={{key (services)}}', position: '1:3', problem: /^key: the key must be text, got a list/ },
  { name: 'bad-query.hbs', content: '{{#each (service "tpl|sleeping")}}{{/each}}', position: '1:9', problem: /unknown status "sleeping"/ },
  { name: 'print-list.hbs', content: 'x {{services}}', position: '1:3', problem: /^cannot print a list here/ },
  { name: 'print-object.hbs', content: '{{#each (service "tpl")}}{{ServiceMeta}}{{/each}}', position: '1:26', problem: /^cannot print an object here/ },
  { name: 'empty-key.hbs', content: 'x\n{{key (keyOrDefault "hostile/none" "")}}', position: '2:1', problem: /^key: key "": / },
  // Recursion and nesting.
  { name: 'self-partial.hbs', content: '{{#*inline "p"}}x{{> p}}{{/inline}}\n{{> p}}', position: '1:18', problem: /^partial "p" includes itself without end/ },
  { name: 'loop-partials.hbs', content: '{{#*inline "a"}}{{> b}}{{/inline}}\n{{#*inline "b"}}{{#if 1}}{{> a}}{{/if}}{{/inline}}\n{{> a}}', position: '2:26', problem: /^partial "a" includes itself through "b" without end/ },
  { name: 'deep-blocks.hbs', content: '{{#if 1}}'.repeat(5_000) + '{{/if}}'.repeat(5_000), position: '1:901', problem: /^blocks nested more than 100 deep/ },
  { name: 'deep-parens.hbs', content: `{{toLower ${'(toLower '.repeat(20_000)}"x"${')'.repeat(20_000)}}}`, position: '1:911', problem: /^sub-expressions nested more than 100 deep/ },
];

for (const { name, content, position, problem } of cases) {
  test(`${name}: exit 1 and one line at ${position}`, async () => {
    const { run, source, out } = await renderOnce(name, content);
    assertOneLineError(run, source, position, problem);
    assert.equal(existsSync(out), false, 'nothing written');
  });
}

test('10 MB of expressions: refused at the expression over the limit, not a heap exhaustion', async () => {
  const { run, source } = await renderOnce('big-dense.hbs', '{{key "hostile/k"}}\n'.repeat(520_000));
  assertOneLineError(run, source, '10001:1', /^more than 10000 expressions/);
});

test('10 MB of plain text renders as it is', async () => {
  const content = 'upstream x { server 127.0.0.1:1; }\n'.repeat(300_000);
  const { run, out } = await renderOnce('big-plain.hbs', content + 'k={{key "hostile/k"}}\n');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(statSync(out).size, content.length + 4);
  assert.equal(readFileSync(out, 'utf8').slice(-4), 'k=v\n');
});

test('binary junk: loads as text or fails with one line at file:line:col', async () => {
  // A fixed pseudo-random sequence, so a failure can be reproduced.
  let seed = 20_250_101;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  const junks = [
    Buffer.from(Array.from({ length: 4096 }, () => next() % 256)),
    Buffer.from(Array.from({ length: 4096 }, () => [0x7b, 0x7d, 0x23, 0x2f, 0x28, 0x22, 0x00, 0xff, 0x0a][next() % 9]!)),
    Buffer.concat([Buffer.from('{{#each (service "tpl")}}'), Buffer.from([0, 0xfe, 0xff, 0xc3]), Buffer.from('{{/each}}')]),
    Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7b, 0x00, 0x7d, 0x7d]),
  ];
  let failures = 0;
  for (const [index, junk] of junks.entries()) {
    const { run, source } = await renderOnce(`junk-${index}.hbs`, junk);
    if (run.code === 0) continue;
    failures++;
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.ok(run.stderr.includes(`${source}:`) && /:\d+:\d+: /.test(run.stderr), run.stderr);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.ok(failures >= 2, 'junk with braces in it is refused');
});

test('a template that cannot be read: one line naming it', async () => {
  const missing = join(dir, 'missing.hbs');
  let run = await runDrcon(['render', '-once', '-consul-addr', consul.address, '-template', `${missing}:${join(dir, 'missing.out')}`]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^drcon: .*missing\.hbs: cannot read the template: ENOENT/);
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  const directory = join(dir, 'a-directory.hbs');
  mkdirSync(directory);
  run = await runDrcon(['render', '-once', '-consul-addr', consul.address, '-template', `${directory}:${join(dir, 'dir.out')}`]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^drcon: .*a-directory\.hbs: cannot read the template: EISDIR/);
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
});
