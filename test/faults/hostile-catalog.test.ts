// Catalog values are written by anyone who can register a service. Real registrations with
// hostile addresses, ports, tags, metadata and IDs, rendered by `drcon lb` through a template that
// prints them into comments, quoted and bare directive arguments: none of them may add, remove or
// alter an Nginx directive, every config must pass `nginx -t`, and the balancer keeps serving the
// good instances, including one registered after all the hostile ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { startDrcon, type RunningDrcon } from '../../harness/drcon.ts';
import { startBackend, type Backend } from '../../harness/backend.ts';
import { freePort } from '../../harness/ports.ts';
import { waitForServing } from '../../harness/lb-test-bed.ts';
import { waitFor } from '../../harness/wait.ts';
import { nginxStatements, type Statement } from './hostile-nginx-statements.ts';

let consul: ConsulAgent;
const cleanups: (() => Promise<unknown>)[] = [];
const root = mkdtempSync(join(tmpdir(), 'drcon-hostile-'));
chmodSync(root, 0o711); // Nginx workers (another user when run as root) pass through it

before(async () => {
  consul = await startConsul();
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await consul?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function backend(name: string): Promise<Backend> {
  const server = await startBackend(name);
  cleanups.push(() => server.close());
  return server;
}

interface Lb {
  drcon: RunningDrcon;
  appConfig: string;
  fetch(path: string): Promise<Response>;
  get(path?: string): Promise<{ status: number; body: string }>;
  /** The bodies of `count` requests to `path`. */
  answers(count: number, path?: string): Promise<Set<string>>;
}

async function startLb(args: string[]): Promise<Lb> {
  const port = await freePort();
  const dir = join(root, `lb-${port}`);
  const drcon = startDrcon(['lb', '-consul-addr', consul.address, '-listen', `127.0.0.1:${port}`, '-dir', dir, '-min-interval', '50ms', '-status-addr', 'off', ...args]);
  cleanups.push(() => drcon.stop());
  const fetchPath = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
  const get = async (path = '/') => {
    const response = await fetchPath(path);
    return { status: response.status, body: (await response.text()).trim() };
  };
  const answers = async (count: number, path = '/') => {
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) seen.add((await get(path)).body);
    return seen;
  };
  await waitForServing(drcon, async () => (await get()).status > 0);
  return { drcon, appConfig: join(dir, 'conf.d', 'app.conf'), fetch: fetchPath, get, answers };
}

/** Registers, or says why Consul itself refused the registration. */
async function tryRegister(service: Record<string, unknown>): Promise<string | undefined> {
  try {
    await consul.registerService(service);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Every hostile character at once, and each alone. */
const nasty = 'a;b{c}d"e\'f\ng#h$i\u0000j\\k l\rm\tn`o';
const nastyPieces = [';', '{', '}', '"', "'", '\n', '#', '$', '\u0000', '\\', ' ', '};\nserver { listen 6666; }', '"; add_header X-Evil 1; "'];

// Prints catalog values everywhere a template might: comments, bare and quoted arguments.
const probeTemplate = `
upstream hostile {
    least_conn;
{{#each (service "hostile")}}
    # instance {{ID}} on {{Node}} tags {{#each Tags}}{{this}} {{/each}}meta {{#each ServiceMeta}}{{@key}}={{this}} {{/each}}
    server {{Address}}:{{Port}}; # {{ID}}
{{/each}}
}

server {
    listen {{listen}} default_server;
    location / {
{{#each (service "hostile")}}
        add_header X-Tags-{{@index}} "{{#each Tags}}{{this}},{{/each}}" always;
        add_header X-Meta-{{@index}} m={{ServiceMeta.k}} always;
        add_header 'X-Id-{{@index}}' '{{ID}}' always;
{{/each}}
        proxy_pass http://hostile;
    }
}
`;

/** What the probe template must produce for `instances` kept instances, whatever their values. */
function expectedShape(instances: number): string[] {
  const shape = ['0 upstream hostile {', '1 least_conn'];
  for (let i = 0; i < instances; i++) shape.push('1 server 1');
  shape.push('0 server {', '1 listen 127.0.0.1:* default_server', '1 location / {');
  for (let i = 0; i < instances; i++) shape.push(`2 add_header X-Tags-${i} 2`, `2 add_header X-Meta-${i} 2`, `2 add_header X-Id-${i} 2`);
  shape.push('2 proxy_pass http://hostile');
  return shape;
}

/** Each statement as "depth name …": arguments named where fixed, counted where they carry catalog data. */
function shapeOf(statements: Statement[]): string[] {
  return statements.map(({ depth, words, block }) => {
    const [name = '', ...args] = words;
    const suffix = block ? ' {' : '';
    if (name === 'server' && !block) return `${depth} server ${args.length}`;
    if (name === 'add_header') return `${depth} add_header ${args[0]} ${args.length - 1}`;
    if (name === 'listen') return `${depth} listen ${args.map((arg) => arg.replace(/:\d+$/, ':*')).join(' ')}`;
    return `${depth} ${words.join(' ')}${suffix}`;
  });
}

test('hostile catalog values cannot change the Nginx config; the good instances keep being served', async () => {
  const good = await backend('good');
  const escaped = await backend('escaped');
  const trap = await backend('trap');
  const late = await backend('late');
  await consul.registerService({ ID: 'good-1', Name: 'hostile', Address: '127.0.0.1', Port: good.port });
  const template = join(root, 'probe.hbs');
  writeFileSync(template, probeTemplate);
  const lb = await startLb(['-service', 'hostile', '-template', template]);
  await waitFor('good served', async () => (await lb.get()).body === 'good');

  // Instances that cannot be rendered safely at all: left out, each with a warning naming it.
  const leftOut: Record<string, Record<string, unknown>> = {
    'addr-semicolon': { Address: '127.0.0.1; server 10.6.6.6:80', Port: trap.port },
    'addr-brace': { Address: '127.0.0.1}', Port: trap.port },
    'addr-newline': { Address: '127.0.0.1\nserver 10.6.6.6:80', Port: trap.port },
    'addr-nul': { Address: '127.0.0.1\u0000', Port: trap.port },
    'addr-dollar': { Address: '$host', Port: trap.port },
    'addr-quote': { Address: '"127.0.0.1"', Port: trap.port },
    'addr-long': { Address: 'h'.repeat(10_000), Port: trap.port },
    'port-high': { Address: '127.0.0.1', Port: 70_000 },
    'port-negative': { Address: '127.0.0.1', Port: -1 },
    'tag-long': { Address: '127.0.0.1', Port: trap.port, Tags: ['t'.repeat(10_000)] },
    'id-long': { Address: '127.0.0.1', Port: trap.port, ID: 'i'.repeat(10_000) },
  };
  // Hostile text that can be printed safely: kept, every value one inert token.
  const kept: Record<string, Record<string, unknown>> = {
    'tags-nasty': { Address: '127.0.0.1', Port: escaped.port, Tags: [nasty, ...nastyPieces], Meta: { k: nasty } },
    'id;}{"\'#$`\\': { Address: '127.0.0.1', Port: escaped.port, Meta: { k: '};\nserver { listen 6666; }' } },
  };
  // What Consul itself refuses (noted, not rendered): a port that is not an integer, a metadata key
  // with punctuation, a metadata value over 512 characters.
  const refusedByConsul: Record<string, Record<string, unknown>> = {
    'port-text': { Address: '127.0.0.1', Port: '80' },
    'port-fraction': { Address: '127.0.0.1', Port: 80.5 },
    'meta-key': { Address: '127.0.0.1', Port: trap.port, Meta: { 'k;{': 'v' } },
    'meta-long': { Address: '127.0.0.1', Port: trap.port, Meta: { k: 'm'.repeat(10_000) } },
  };
  for (const [id, fields] of Object.entries(refusedByConsul)) {
    const refusal = await tryRegister({ ID: id, Name: 'hostile', ...fields });
    assert.match(refusal ?? 'accepted', /400/, `Consul refuses ${id}`);
  }
  for (const [id, fields] of Object.entries({ ...leftOut, ...kept })) {
    const refusal = await tryRegister({ ID: id, Name: 'hostile', ...fields });
    assert.equal(refusal, undefined, `Consul accepts ${id}`);
  }
  // Registered after every hostile instance: a config change must still get through.
  await consul.registerService({ ID: 'late-1', Name: 'hostile', Address: '127.0.0.1', Port: late.port });
  await waitFor('late instance served', async () => (await lb.answers(8)).has('late'), { timeoutMs: 20_000 });

  const log = lb.drcon.output();
  for (const id of Object.keys(leftOut)) {
    const name = id === 'id-long' ? `"${'i'.repeat(20)}` : `"${id}"`;
    assert.ok(log.includes(`instance ${name}`), `a warning names ${id}`);
  }
  assert.doesNotMatch(log, /check failed/, 'every rendered config passed nginx -t');

  const config = readFileSync(lb.appConfig, 'utf8');
  const keptCount = 2 + Object.keys(kept).length; // good-1, late-1 and the escaped ones
  assert.deepEqual(shapeOf(nginxStatements(config)), expectedShape(keptCount));
  for (const line of config.split('\n')) {
    assert.ok(line.length < 4096, `no line near Nginx's token limit (${line.length} characters)`);
  }
  assert.doesNotMatch(config, /listen 6666|10\.6\.6\.6|X-Evil 1|\$host/, 'no hostile text printed raw');

  assert.deepEqual(await lb.answers(30), new Set(['good', 'escaped', 'late']));
  assert.equal(trap.hits, 0, 'no request reached an instance that was left out');
  const response = await lb.fetch('/');
  assert.equal(response.headers.get('x-evil'), null);
  assert.match(response.headers.get('x-meta-1') ?? response.headers.get('x-meta-2') ?? '', /^m=/);
});

test('shipped template, routes from urlprefix- tags: hostile service names and route tags stay inert', async () => {
  const good = await backend('route-good');
  const escaped = await backend('route-escaped');
  const late = await backend('route-late');
  await consul.registerService({ ID: 'rg-1', Name: 'route-good', Address: '127.0.0.1', Port: good.port, Tags: ['urlprefix-/good'] });
  const lb = await startLb([]);
  await waitFor('route served', async () => (await lb.get('/good')).body === 'route-good');

  const hostile = [
    { ID: 'r1', Name: 'evil;} server { listen 6666; } #', Address: '127.0.0.1', Port: escaped.port, Tags: ['urlprefix-/evil-name'] },
    { ID: 'r2', Name: 'route-semicolon', Address: '127.0.0.1', Port: escaped.port, Tags: ['urlprefix-/a;return 200 pwned;', 'urlprefix-/b{}"\'#$\\'] },
    { ID: 'r3', Name: 'route-long', Address: '127.0.0.1', Port: escaped.port, Tags: [`urlprefix-/${'p'.repeat(10_000)}`] },
    { ID: 'r4', Name: 'n'.repeat(10_000), Address: '127.0.0.1', Port: escaped.port, Tags: ['urlprefix-/long-name'] },
  ];
  for (const service of hostile) assert.equal(await tryRegister(service), undefined, `Consul accepts ${service.ID}`);
  await consul.registerService({ ID: 'rl-1', Name: 'route-late', Address: '127.0.0.1', Port: late.port, Tags: ['urlprefix-/late'] });
  await waitFor('late route served', async () => (await lb.get('/late')).body === 'route-late', { timeoutMs: 20_000 });

  const log = lb.drcon.output();
  assert.doesNotMatch(log, /check failed/, 'every rendered config passed nginx -t');
  assert.match(log, /WARN {2}service "route-long": 1 tag longer than 512 bytes left out/);
  assert.match(log, /WARN {2}service "n{64}…": name holds a value of 10000 bytes \(at most 512\); left out/);
  const config = readFileSync(lb.appConfig, 'utf8');
  const names = new Set(nginxStatements(config).map((statement) => statement.words[0]));
  assert.deepEqual([...names].filter((name) => !shippedDirectives.has(name!)), [], 'only the directives of the shipped template');
  assert.doesNotMatch(config, /listen 6666|return 200 pwned/);
  assert.equal((await lb.get('/good')).body, 'route-good');
  assert.equal((await lb.get('/evil-name')).body, 'route-escaped', 'a hostile service name is only a name');
});

const shippedDirectives = new Set([
  'upstream', 'least_conn', 'server', 'keepalive', 'keepalive_timeout', 'listen', 'default_type',
  'proxy_http_version', 'proxy_set_header', 'proxy_connect_timeout', 'proxy_next_upstream',
  'proxy_next_upstream_tries', 'proxy_next_upstream_timeout', 'location', 'proxy_pass', 'return',
]);
