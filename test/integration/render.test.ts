// `drcon render` end to end: the real CLI as its own process against a real Consul dev agent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, statSync, chmodSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { runDrcon, startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { waitFor } from '../../harness/wait.ts';
import { logConsulRequests } from '../../harness/consul-request-log.ts';

let consul: ConsulAgent;
const running: RunningDrcon[] = [];
const dir = mkdtempSync(join(tmpdir(), 'drcon-render-'));

before(async () => {
  consul = await startConsul();
});
after(async () => {
  await Promise.all(running.map((d) => d.stop()));
  await consul?.stop();
});

function file(name: string, content?: string): string {
  const path = join(dir, name);
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

function watch(args: string[]): RunningDrcon {
  const drcon = startDrcon(['render', '-consul-addr', consul.address, ...args]);
  running.push(drcon);
  return drcon;
}

const once = (args: string[]) => runDrcon(['render', '-once', '-consul-addr', consul.address, ...args]);

test('-once renders every helper form from real catalog and KV data', async () => {
  await consul.registerService({ ID: 'simple-1', Name: 'simple', Address: '10.0.0.1', Port: 8001, Tags: ['blue'] });
  await consul.registerService({ ID: 'simple-2', Name: 'simple', Port: 8002, Tags: ['green'] }); // no address: node's
  await consul.putKey('config/nginx/worker_connections', '1024');
  await consul.putKey('config/app/a', '1');
  await consul.putKey('config/app/sub/b', '2');
  const source = file('helpers.hbs', [
    '{{#each (service "simple")}}server {{Address}}:{{Port}};{{else}}server 127.0.0.1:65535;{{/each}}',
    '{{#each (service "blue.simple")}}blue={{ID}}{{/each}}',
    '{{#each (service "simple" tag="green")}}green={{ID}}{{/each}}',
    '{{#each (services)}}[{{Name}} {{#each Tags}}{{this}} {{/each}}]{{/each}}',
    'wc={{key "config/nginx/worker_connections"}} x={{keyOrDefault "config/x" "fallback"}}',
    'ls:{{#each (ls "config/app")}}{{Key}}={{Value}};{{/each}}',
    'tree:{{#each (tree "config/app")}}{{Key}}={{Value}};{{/each}}',
    'nodes:{{#each (nodes)}}{{Address}}{{/each}} home={{env "DRCON_TEST_HOME"}}',
    '',
  ].join('\n'));
  const out = file('helpers.out');
  const run = await runDrcon(['render', '-once', '-consul-addr', consul.address, '-template', `${source}:${out}`], { env: { DRCON_TEST_HOME: '/home/x' } });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(out, 'utf8'), [
    'server 10.0.0.1:8001;server 127.0.0.1:8002;',
    'blue=simple-1',
    'green=simple-2',
    '[consul ][simple blue green ]',
    'wc=1024 x=fallback',
    'ls:a=1;',
    'tree:a=1;sub/b=2;',
    'nodes:127.0.0.1 home=/home/x',
    '',
  ].join('\n'));
});

test('-once renders the Consul helpers consul-template users carry over: keyExists, safeTree, datacenters, node, services "@dc"', async () => {
  await consul.registerService({ ID: 'carry-1', Name: 'carry', Address: '10.2.0.1', Port: 8080, Tags: ['t'], Weights: { Passing: 5, Warning: 1 } });
  await consul.putKey('carry/routes/a', '1');
  const nodeName = ((await consul.api('GET', '/v1/agent/self')) as { Config: { NodeName: string } }).Config.NodeName;
  const source = file('carry.hbs', [
    'exists={{keyExists "carry/routes/a"}} missing={{keyExists "carry/none"}}',
    'safe:{{#each (safeTree "carry/routes")}}{{Key}}={{Value}};{{/each}}',
    'dcs:{{#each (datacenters)}}{{this}};{{/each}}',
    `{{#with (node "${nodeName}")}}node={{Node.Address}} services:{{#each Services}}{{#if (eq Service "carry")}}{{Service}}:{{Port}};{{/if}}{{/each}}{{/with}}`,
    '{{#with (node "no-such-node")}}never{{/with}}{{#with (node)}}own={{Node.Node}}{{/with}}',
    'dc1:{{#each (services "@dc1")}}{{#if (eq Name "carry")}}{{Name}};{{/if}}{{/each}}',
    '{{#each (service "carry")}}weight={{Weights.Passing}}{{/each}}',
    '',
  ].join('\n'));
  const out = file('carry.out');
  const run = await once(['-template', `${source}:${out}`]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(out, 'utf8'), [
    'exists=true missing=false',
    'safe:a=1;',
    'dcs:dc1;',
    'node=127.0.0.1 services:carry:8080;',
    `own=${nodeName}`,
    'dc1:carry;',
    'weight=5',
    '',
  ].join('\n'));
});

test('safeTree holds the file back while its prefix is empty, and keeps the last one when it empties again', async () => {
  const source = file('safe.hbs', 'upstreams:{{#each (safeTree "safe/upstreams")}}{{Key}};{{/each}}\n');
  const out = file('safe.out');
  const drcon = watch(['-log-level', 'debug', '-template', `${source}:${out}`]);
  await drcon.waitForOutput(/waiting for key to exist.*safe\/upstreams\//);
  assert.equal(existsSync(out), false);
  await consul.putKey('safe/upstreams/a', '1');
  await waitFor('the file once the prefix has a key', () => existsSync(out) && readFileSync(out, 'utf8') === 'upstreams:a;\n');
  const heldBack = () => drcon.output().split('waiting for data').length;
  const before = heldBack();
  await consul.deleteKey('safe/upstreams', true);
  await waitFor('the render of the emptied prefix, held back', () => heldBack() > before);
  assert.equal(readFileSync(out, 'utf8'), 'upstreams:a;\n');
  await consul.putKey('safe/upstreams/b', '2');
  await waitFor('the next key', () => readFileSync(out, 'utf8') === 'upstreams:b;\n');
});

test('passing instances only by default; |any and filter= include a critical one', async () => {
  await consul.registerService({ ID: 'ttl-1', Name: 'ttlsvc', Address: '10.1.0.1', Port: 80, Check: { TTL: '60s' } });
  await consul.registerService({ ID: 'ttl-2', Name: 'ttlsvc', Address: '10.1.0.2', Port: 80, Check: { TTL: '60s' } });
  await consul.api('PUT', '/v1/agent/check/pass/service:ttl-1');
  const source = file('ttl.hbs', 'p={{#each (service "ttlsvc")}}{{ID}},{{/each}} a={{#each (service "ttlsvc|any")}}{{ID}}:{{Status}},{{/each}} h={{#each (service "ttlsvc" filter="any")}}{{ID}},{{/each}}');
  const out = file('ttl.out');
  const run = await once(['-template', `${source}:${out}`]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(out, 'utf8'), 'p=ttl-1, a=ttl-1:passing,ttl-2:critical, h=ttl-1,ttl-2,');
});

test('service names with spaces and URL-unsafe characters work', async () => {
  await consul.registerService({ ID: 'cas-1', Name: 'CAS Client Service', Address: '10.2.0.1', Port: 8810, Tags: ['urlprefix-/ClientService01'] });
  const source = file('spaces.hbs', '{{#each (service "CAS Client Service")}}{{ID}} {{Name}}@{{Address}}:{{Port}}{{/each}}');
  const out = file('spaces.out');
  const run = await once(['-template', `${source}:${out}`]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(out, 'utf8'), 'cas-1 CAS%20Client%20Service@10.2.0.1:8810'); // the name escaped into one Nginx token
});

test('-dry prints the output and writes and runs nothing', async () => {
  const source = file('dry.hbs', 'wc {{key "config/nginx/worker_connections"}}');
  const out = file('dry.out');
  const marker = file('dry.marker');
  const run = await once(['-dry', '-template', `${source}:${out}:touch ${marker}`]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /wc 1024/);
  assert.equal(existsSync(out), false);
  assert.equal(existsSync(marker), false);
});

test('an unchanged output is not rewritten and its command does not run; a changed one keeps its mode', async () => {
  const source = file('same.hbs', 'wc {{key "config/nginx/worker_connections"}}\n');
  const out = file('same.out', 'wc 1024\n');
  chmodSync(out, 0o600);
  const before = statSync(out);
  const marker = file('same.marker');
  assert.equal((await once(['-template', `${source}:${out}:echo ran >> ${marker}`])).code, 0);
  assert.equal(statSync(out).ino, before.ino, 'file untouched');
  assert.equal(existsSync(marker), false, 'command not run');
  writeFileSync(source, 'wc={{key "config/nginx/worker_connections"}}\n');
  assert.equal((await once(['-template', `${source}:${out}:echo ran >> ${marker}`])).code, 0);
  assert.equal(readFileSync(out, 'utf8'), 'wc=1024\n');
  assert.notEqual(statSync(out).ino, before.ino, 'replaced by rename');
  assert.equal(statSync(out).mode & 0o777, 0o600, 'mode kept');
  assert.equal(readFileSync(marker, 'utf8'), 'ran\n');
  assert.deepEqual(readdirSync(dir).filter((name) => name.includes('.tmp')), [], 'no temp files left');
});

test('the same command of several templates runs once, after all files are written', async () => {
  const a = file('a.hbs', 'a {{key "config/nginx/worker_connections"}}');
  const b = file('b.hbs', 'b {{key "config/nginx/worker_connections"}}');
  const outA = file('a.out');
  const outB = file('b.out');
  const log = file('dedupe.log');
  const command = `cat ${outA} ${outB} >> ${log}; echo >> ${log}`;
  const run = await once(['-template', `${a}:${outA}:${command}`, '-template', `${b}:${outB}:${command}`]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(log, 'utf8'), 'a 1024b 1024\n');
});

test('-once sends no blocking query when its first answers render, though its command takes a while (Consul holds each one open for its whole wait)', async (t) => {
  for (let i = 0; i < 5; i++) await consul.registerService({ ID: `oneshot-${i}`, Name: `oneshot-${i}`, Address: '10.7.0.1', Port: 7000 + i });
  const proxy = await logConsulRequests(consul.address);
  t.after(() => proxy.close());
  const source = file('oneshot.hbs', Array.from({ length: 5 }, (_, i) => `{{#each (service "oneshot-${i}")}}{{Port}} {{/each}}`).join(''));
  const out = file('oneshot.out');
  // Each watch may ask again 50 ms after its first answer: the command keeps the run going past that.
  const run = await runDrcon(['render', '-once', '-consul-addr', proxy.address, '-template', `${source}:${out}:sleep 0.3`]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(out, 'utf8'), '7000 7001 7002 7003 7004 ');
  assert.equal(proxy.urls.filter((url) => url.startsWith('/v1/health/service/oneshot-')).length, 5, proxy.urls.join('\n'));
  assert.deepEqual(proxy.urls.filter((url) => /[?&]index=/.test(url)), [], 'no blocking query');
});

test('-once waits for a key that does not exist yet with a blocking query, and renders it', async (t) => {
  const proxy = await logConsulRequests(consul.address);
  t.after(() => proxy.close());
  const source = file('oneshot-key.hbs', 'v={{key "oneshot/later"}}');
  const out = file('oneshot-key.out');
  const drcon = startDrcon(['render', '-once', '-consul-addr', proxy.address, '-template', `${source}:${out}`]);
  running.push(drcon);
  await drcon.waitForOutput(/waiting for key to exist.*oneshot\/later/);
  await waitFor('a blocking query for the key', () => proxy.urls.some((url) => url.startsWith('/v1/kv/oneshot/later') && /[?&]index=/.test(url)));
  await consul.putKey('oneshot/later', 'here');
  await waitFor('-once done', () => drcon.process.exitCode !== null);
  assert.equal(drcon.process.exitCode, 0, drcon.output());
  assert.equal(readFileSync(out, 'utf8'), 'v=here');
});

test('-once exits non-zero when a command fails', async () => {
  const source = file('fail.hbs', 'x {{key "config/nginx/worker_connections"}}');
  const run = await once(['-template', `${source}:${file('fail.out')}:exit 3`]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /command failed: exited with 3/);
});

test('a missing key waits (warned once) until it exists; keyOrDefault does not wait', async () => {
  const source = file('wait.hbs', 'v={{key "later/key"}}');
  const out = file('wait.out');
  const drcon = watch(['-template', `${source}:${out}`]);
  await drcon.waitForOutput(/waiting for key to exist.*later\/key/);
  assert.equal(existsSync(out), false, 'nothing written while the key is missing');
  await consul.putKey('later/key', 'now');
  await waitFor('key rendered', () => existsSync(out) && readFileSync(out, 'utf8') === 'v=now');
  assert.equal(drcon.output().match(/waiting for key to exist/g)?.length, 1);
});

test('watch mode: a registration re-renders and runs the command; a hanging command is killed at its timeout', async () => {
  const source = file('watch.hbs', '{{#each (service "watched")}}{{Port}} {{/each}}');
  const out = file('watch.out');
  const log = file('watch.log');
  const drcon = watch(['-command-timeout', '300ms', '-template', `${source}:${out}:echo run >> ${log}; sleep 30`]);
  await waitFor('first render', () => existsSync(out) && readFileSync(out, 'utf8') === '');
  await consul.registerService({ ID: 'w1', Name: 'watched', Address: '10.3.0.1', Port: 9001 });
  await waitFor('registration rendered', () => readFileSync(out, 'utf8') === '9001 ');
  await drcon.waitForOutput(/command failed: timed out/);
  await consul.registerService({ ID: 'w2', Name: 'watched', Address: '10.3.0.2', Port: 9002 });
  await waitFor('next change rendered after a timed-out command', () => readFileSync(out, 'utf8') === '9001 9002 ');
});

test('a burst of changes is coalesced into few command runs and the last state is rendered', async () => {
  const source = file('burst.hbs', '{{#each (service "burst")}}{{Port}}\n{{/each}}');
  const out = file('burst.out');
  const log = file('burst.log');
  watch(['-min-interval', '200ms', '-template', `${source}:${out}:echo run >> ${log}`]);
  await waitFor('first render', () => existsSync(out));
  const ports = Array.from({ length: 60 }, (_, i) => 20000 + i);
  for (const port of ports) await consul.registerService({ ID: `b${port}`, Name: 'burst', Address: '10.4.0.1', Port: port });
  await waitFor('final state', () => readFileSync(out, 'utf8') === ports.map((p) => `${p}\n`).join(''));
  await waitFor('command after final state', () => existsSync(log));
  const runs = readFileSync(log, 'utf8').trim().split('\n').length;
  assert.ok(runs < ports.length / 2, `${runs} command runs for ${ports.length} changes`);
});

test('a template broken by an edit is reported and the last good output stays', async () => {
  const source = file('edit.hbs', 'ok {{key "config/nginx/worker_connections"}}');
  const out = file('edit.out');
  const drcon = watch(['-template', `${source}:${out}`]);
  await waitFor('first render', () => existsSync(out) && readFileSync(out, 'utf8') === 'ok 1024');
  writeFileSync(source, 'broken {{#each (services)}}');
  await drcon.waitForOutput(/template not reloaded: .*edit\.hbs:1:\d+/);
  assert.equal(readFileSync(out, 'utf8'), 'ok 1024');
  writeFileSync(source, 'fixed {{key "config/nginx/worker_connections"}}');
  await waitFor('fixed template rendered', () => readFileSync(out, 'utf8') === 'fixed 1024');
});

test('template errors name file:line:col; an unknown helper is an error', async () => {
  const broken = file('broken.hbs', 'line one\n  {{#each (service "x")}}\n');
  let run = await once(['-template', `${broken}:${file('broken.out')}`]);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, new RegExp(`${broken.replace(/[.]/g, '\\.')}:\\d+:\\d+`));
  const unknown = file('unknown.hbs', 'a\nb {{nosuch "x"}}');
  run = await once(['-template', `${unknown}:${file('unknown.out')}`]);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, new RegExp(`unknown\\.hbs:2:3: .*nosuch`));
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
});

test('flag errors are one line with exit status 2', async () => {
  for (const args of [
    ['render', '-nosuchflag'],
    ['render', '-template', 'in.hbs', '-once'],
    ['render', '-template', 'a:b', '-wait', '5x'],
    ['render', '-template', 'a:b', '-min-interval', 'soon'],
    ['render', '-template', 'a:b', '-consul-addr', 'http://bad host:1'],
  ]) {
    const run = await runDrcon(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^drcon: /);
  }
});

test('the index going backwards: after a dev-agent restart the new truth is rendered', async () => {
  const source = file('restart.hbs', '{{#each (service "phoenix")}}{{Port}}{{else}}none{{/each}}');
  const out = file('restart.out');
  const drcon = watch(['-template', `${source}:${out}`]);
  await consul.registerService({ ID: 'p1', Name: 'phoenix', Address: '10.5.0.1', Port: 7001 });
  await waitFor('before restart', () => existsSync(out) && readFileSync(out, 'utf8') === '7001');
  await consul.restart(); // a dev agent comes back empty, with a much lower index
  await consul.registerService({ ID: 'p2', Name: 'phoenix', Address: '10.5.0.2', Port: 7002 });
  await waitFor('new truth after restart', () => readFileSync(out, 'utf8') === '7002', { timeoutMs: 10_000 });
  assert.equal(drcon.process.exitCode, null, 'drcon kept running');
});

test('-check runs after the new file is in place; a failing check puts the old file back and skips the command', async () => {
  const source = file('checked.hbs', '{{#each (service "checkme")}}{{Port}}{{/each}}');
  const out = file('checked.out');
  const marker = file('checked.marker');
  // The check refuses any file that mentions port 666.
  const drcon = watch(['-template', `${source}:${out}:echo ran >> ${marker}`, '-check', `${out}:! grep -q 666 ${out}`]);
  await consul.registerService({ ID: 'c1', Name: 'checkme', Address: '10.6.0.1', Port: 5000 });
  await waitFor('good file', () => existsSync(out) && readFileSync(out, 'utf8') === '5000');
  await waitFor('command ran', () => existsSync(marker));
  await consul.registerService({ ID: 'c2', Name: 'checkme', Address: '10.6.0.2', Port: 666 });
  await drcon.waitForOutput(/previous file restored/);
  assert.equal(readFileSync(out, 'utf8'), '5000', 'old file put back');
  assert.equal(readFileSync(marker, 'utf8'), 'ran\n', 'command not run for the refused file');
});

test('-exec supervises a child: started after the first render, signalled on change, drcon exits with its status', async () => {
  const source = file('exec.hbs', '{{#each (service "execsvc")}}{{Port}}{{/each}}');
  const out = file('exec.out');
  const log = file('exec.log');
  // The child records that it started and each reload signal; it exits 7 on SIGTERM.
  const child = `trap 'echo hup >> ${log}' USR1; trap 'exit 7' TERM; echo start:$(cat ${out}) >> ${log}; while :; do sleep 0.05; done`;
  const drcon = watch(['-template', `${source}:${out}`, '-exec', child, '-exec-reload-signal', 'SIGUSR1']);
  await consul.registerService({ ID: 'e1', Name: 'execsvc', Address: '10.7.0.1', Port: 4001 });
  await waitFor('child started after a render', () => existsSync(log) && readFileSync(log, 'utf8').startsWith('start:'));
  await waitFor('first file', () => readFileSync(out, 'utf8') === '4001');
  await consul.registerService({ ID: 'e2', Name: 'execsvc', Address: '10.7.0.2', Port: 4002 });
  await waitFor('child signalled on change', () => readFileSync(log, 'utf8').includes('hup'));
  assert.equal(await drcon.stop('SIGTERM'), 7, "drcon exits with the child's status");
});

test('-max-blocking-queries: past it, service queries share catalog-wide detection, and changes still render', async () => {
  await consul.registerService({ ID: 'budget-a1', Name: 'budget-a', Address: '10.6.0.1', Port: 7001 });
  await consul.registerService({ ID: 'budget-b1', Name: 'budget-b', Address: '10.6.0.2', Port: 7002 });
  const source = file('budget.hbs', '{{#each (service "budget-a")}}{{Port}} {{/each}}{{#each (service "budget-b")}}{{Port}} {{/each}}');
  const out = file('budget.out');
  const drcon = watch(['-max-blocking-queries', '1', '-template', `${source}:${out}`]);
  await waitFor('first render', () => existsSync(out) && readFileSync(out, 'utf8') === '7001 7002 ');
  await drcon.waitForOutput(/detecting catalog-wide changes instead of one blocking query each .*maxBlockingQueries=1/);
  await consul.registerService({ ID: 'budget-b2', Name: 'budget-b', Address: '10.6.0.3', Port: 7003 });
  await waitFor('a registration rendered through the detector', () => readFileSync(out, 'utf8') === '7001 7002 7003 ');

  const unbudgeted = watch(['-template', `${source}:${file('budget-default.out')}`]);
  await waitFor('first render with the default budget', () => existsSync(join(dir, 'budget-default.out')));
  assert.doesNotMatch(unbudgeted.output(), /detecting catalog-wide changes/);
});
