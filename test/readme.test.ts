// README.md, proved. Every command in a ```sh block is run here (drcon as `node src/main.ts`
// against a real Consul agent, Nginx and backends), or — where it cannot run here (Docker, the
// whole suite) — shown to be exactly what the test that runs it does. Every ```handlebars block and
// every example of the helper table renders from real Consul data; the flag tables match
// `drcon render --help` and `drcon lb --help` both ways; every metric named is served by /metrics.
// A README edit that breaks any of this, or a code change that makes the README wrong, fails here.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startConsul, type ConsulAgent } from '../harness/consul.ts';
import { startBackend, type Backend } from '../harness/backend.ts';
import { runDrcon, startDrcon, type RunningDrcon } from '../harness/drcon.ts';
import { runNginx, tempNginxDir } from '../harness/nginx.ts';
import { freePort } from '../harness/ports.ts';
import { exitWithOutput } from '../harness/process-end.ts';
import { waitFor } from '../harness/wait.ts';
import { ConsulClient } from '../src/consul/client.ts';
import { Template, type RenderResult } from '../src/template/template.ts';
import type { DataSource } from '../src/template/render-context.ts';
import { nginxArgs } from '../src/lb/layout.ts';
import { RegisterStatus } from '../src/register/register-status.ts';
import { resolveNginxBinary } from '../src/lb/nginx-binary.ts';
import { shellCommandLine } from '../src/process/shell-words.ts';
import { defaultPort as demoDefaultPort } from '../scripts/demo/options.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const fromRoot = (path: string) => join(root, path);
const readme = readFileSync(fromRoot('README.md'), 'utf8');
const packageScripts = (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

// ---- Reading the README ------------------------------------------------------------------------

interface CodeBlock {
  readonly lang: string;
  readonly lines: string[];
  /** 1-based line of the opening fence. */
  readonly line: number;
}

function codeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({ lang: open[1]!, lines: body, line: start + 1 });
  }
  return blocks;
}

/** The text under each `## ` heading (code blocks included), by heading. */
function sections(text: string): Map<string, string> {
  const result = new Map<string, string>();
  let heading = '';
  let body: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (!fenced && line.startsWith('## ')) {
      result.set(heading, body.join('\n'));
      heading = line.slice(3).trim();
      body = [];
    } else body.push(line);
  }
  result.set(heading, body.join('\n'));
  return result;
}

function section(title: string): string {
  const text = sections(readme).get(title);
  assert.ok(text !== undefined, `README.md has a section "## ${title}"`);
  return text;
}

/** Markdown table rows (header first, the --- line left out), cells split on unescaped `|`. */
function tables(text: string): string[][][] {
  const found: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    if (/^\|[\s|:-]+\|$/.test(line)) continue;
    const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|'));
    if (!current) found.push((current = []));
    current.push(cells);
  }
  return found;
}

function inlineCodes(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);
}

/** A command line as the shell splits it (quotes, no expansion); an unquoted `#` starts a comment. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"' || c === "'") {
      const end = line.indexOf(c, i + 1);
      assert.ok(end > i, `unbalanced quote in ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) {
      break;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

interface ReadmeCommand {
  readonly words: string[];
  readonly line: number;
}

/** Every command of every ```sh block: one per line (a trailing `\` continues it). */
function readmeCommands(): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  for (const block of codeBlocks(readme).filter((b) => b.lang === 'sh')) {
    let pending = '';
    block.lines.forEach((text, i) => {
      if (text.trimEnd().endsWith('\\')) return void (pending += text.trimEnd().slice(0, -1) + ' ');
      const words = shellWords(pending + text);
      pending = '';
      if (words.length > 0) commands.push({ words, line: block.line + 1 + i });
    });
  }
  return commands;
}

/** The value after `flag` in `words`, replaced; the README command must have the flag. */
function withFlag(words: readonly string[], flag: string, value: (old: string) => string): string[] {
  const at = words.indexOf(flag);
  assert.ok(at >= 0 && at + 1 < words.length, `the README command has ${flag} VALUE: ${words.join(' ')}`);
  return words.map((word, i) => (i === at + 1 ? value(word) : word));
}

// ---- The real things the README's commands talk to --------------------------------------------

let consul: ConsulAgent;
let backend: Backend;
let scratch: string;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'drcon-readme-'));
  chmodSync(scratch, 0o711); // Nginx workers (another user when run as root) pass through it
  consul = await startConsul();
  backend = await startBackend('readme-backend');
  // The service the README's commands balance, and data for every helper of the table.
  await consul.registerService({ ID: 'simple-1', Name: 'simple', Address: '127.0.0.1', Port: backend.port });
  await consul.registerService({ ID: 'web-1', Name: 'web', Address: '10.0.0.1', Port: 8001, Tags: ['primary', 'urlprefix-/web'], Meta: { version: '2' } });
  await consul.registerService({ ID: 'web-2', Name: 'web', Address: '10.0.0.2', Port: 8002, Tags: ['backup'] });
  await consul.putKey('config/nginx/worker_connections', '1024');
  await consul.putKey('config/app/a', '1');
  await consul.putKey('config/app/sub/b', '2');
  await consul.putKey('config/routes', '{"/web":8081,"/api":8080}');
});

after(async () => {
  await backend?.close();
  await consul?.destroy();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A fresh directory for one command, as its working directory. */
function workDir(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o711);
  return dir;
}

function started(t: TestContext, drcon: RunningDrcon): RunningDrcon {
  t.after(() => drcon.stop());
  return drcon;
}

/** Registers cleanups for the end of a test, run last registered first. */
function cleanupStack(t: TestContext): (cleanup: () => Promise<unknown>) => void {
  const stack: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const cleanup of stack.reverse()) await cleanup();
  });
  return (cleanup) => void stack.push(cleanup);
}

/**
 * Runs a program to its end (SIGINT after 2 minutes, so a demo still cleans up); its output is
 * stdout and stderr together, or stderr only with `stdout: 'ignore'`.
 */
async function runProgram(file: string, args: string[], stdout: 'pipe' | 'ignore' = 'pipe'): Promise<{ code: number | null; output: string }> {
  const child = spawn(file, args, { stdio: ['ignore', stdout, 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGINT'), 120_000);
  const code = await exitWithOutput(child);
  clearTimeout(timer);
  return { code, output };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.text()).trim() };
}

/** Waits until `url` answers with the backend; prints drcon's output when it never does. */
async function servedByBackend(url: string, drcon: RunningDrcon): Promise<void> {
  try {
    await waitFor(`${url} answering from the backend`, async () => {
      const answer = await get(url);
      return answer.status === 200 && answer.body === backend.name;
    }, { timeoutMs: 30_000 });
  } catch (error) {
    throw new Error(`${(error as Error).message}\ndrcon's output:\n${drcon.output().slice(-3000)}`);
  }
}

/** `-status-addr` of the lb runs: a free port, as the default 127.0.0.1:9600 may be taken here. */
async function statusAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

/** A service template for `in.hbs`: an upstream of service simple and a server on `listen`. */
function serviceTemplate(listen: string): string {
  return [
    'upstream readme_simple {',
    '    {{#each (service "simple")}}server {{Address}}:{{Port}};{{else}}server 127.0.0.1:65535;{{/each}}',
    '}',
    'server {',
    `    listen ${listen};`,
    '    location / { proxy_pass http://readme_simple; }',
    '}',
    '',
  ].join('\n');
}

// consul-template's text from the DR CoN walkthrough, with its $SERVICE filled in.
const drconCtmpl = `upstream app {
  least_conn;
  {{range service "simple"}}
  server  {{.Address}}:{{.Port}};
  {{else}}server 127.0.0.1:65535;{{end}}
}
server {
  listen 80 default_server;
  location / {
    proxy_pass http://app;
  }
}
`;

// ---- How each command of the README is proved --------------------------------------------------

interface Proof {
  /** What the proof does, for the test name. */
  readonly how: string;
  matches(words: readonly string[]): boolean;
  prove(words: string[], t: TestContext): Promise<void>;
}

const startsWith = (...prefix: string[]) => (words: readonly string[]) => prefix.every((word, i) => words[i] === word);

const proofs: Proof[] = [
  {
    how: 'runs scripts/demo.ts --once (its exiting mode) on a free port',
    matches: startsWith('npm', 'run', 'demo'),
    async prove(words) {
      assert.equal(words.length, 3, 'npm run demo takes no arguments in the README');
      // npm run demo = the idempotent installer (which `npm test` runs as well), then the demo.
      assert.match(packageScripts['demo'] ?? '', /^bash scripts\/setup\.sh && exec node scripts\/demo\.ts$/);
      assert.match(readme, new RegExp(`npm run demo +# .*:${demoDefaultPort}\\b`), 'the README names the demo\'s default port');
      const runDemo = async () => {
        const port = await freePort();
        const run = await runProgram(process.execPath, [fromRoot('scripts/demo.ts'), '--once', '--port', String(port)]);
        const logDir = /^drcon's log stays at (.+)\/drcon\.log$/m.exec(run.output)?.[1];
        if (logDir) rmSync(logDir, { recursive: true, force: true });
        return { port, ...run };
      };
      let { port, code, output } = await runDemo();
      // The demo takes free ports for Consul and drcon's status server itself; on a busy machine a
      // client connection may take one between its check and the bind. That is no README fault: once more.
      if (code !== 0 && /address is in use|address already in use/i.test(output)) ({ port, code, output } = await runDemo());
      assert.equal(code, 0, output);
      // What the README says it shows: the curl command, 503, each backend, the removal, the stop.
      assert.match(output, new RegExp(`^ {4}curl http://127\\.0\\.0\\.1:${port}/$`, 'm'));
      assert.match(output, /-> {2}503 no healthy instance of service simple$/m);
      assert.match(output, /-> {2}200 simple-1$/m);
      assert.match(output, /-> {2}200 simple-2$/m);
      assert.match(output, /simple-1 received 0 of these requests/);
      assert.match(output, /^Stopped: .*the Consul agent\.$/m);
    },
  },
  {
    // `npm test` runs this file: it cannot run itself. CI's script runs exactly this command.
    how: 'is the test script, and exactly what CI runs',
    matches: startsWith('npm', 'test'),
    async prove(words) {
      assert.deepEqual(words, ['npm', 'test']);
      const ciCommands = readFileSync(fromRoot('.ci/run'), 'utf8').split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('#') && !/^(set|cd) /.test(line));
      assert.deepEqual(ciCommands, ['npm test']);
      const script = packageScripts['test'] ?? '';
      // What the README says it runs: the type check, every test (this one too), the container test.
      assert.match(script, /\btsc --noEmit\b/);
      assert.match(script, /\bnode --test\b.*'test\/\*\*\/\*\.test\.ts'/);
      assert.match(script, /\bbash test\/container\/run\.sh test\b/);
    },
  },
  {
    // No Docker engine here. The container test (test/container/run.sh test, part of `npm test`)
    // builds this same Dockerfile, unchanged, with podman.
    how: 'is what the container test builds (the Dockerfile at the root, unchanged)',
    matches: startsWith('docker', 'build'),
    async prove(words) {
      assert.deepEqual(words.slice(0, 3), ['docker', 'build', '-t']);
      assert.equal(words[4], '.', 'built from the repository root');
      assert.ok(existsSync(fromRoot('Dockerfile')));
      const runSh = readFileSync(fromRoot('test/container/run.sh'), 'utf8');
      const build = /^\s*podman build .*"\$CTR_ROOT".*$/m.exec(runSh)?.[0];
      assert.ok(build, 'podman builds the repository root');
      assert.doesNotMatch(build, /\s(-f|--file)\b/, 'with its own Dockerfile');
      assert.match(readFileSync(fromRoot('test/container/container-test.sh'), 'utf8'), /^if .*CTR_SKIP_BUILD.*then ctr_build; fi$/m);
      assert.match(packageScripts['test'] ?? '', /test\/container\/run\.sh test/);
      // The image `docker run` starts is the one built here.
      const run = readmeCommands().find((command) => startsWith('docker', 'run')(command.words));
      assert.equal(run?.words.at(-1), words[3], 'docker run starts the image docker build tags');
    },
  },
  {
    // No Docker engine here. The container test runs the built image under podman with the same
    // environment and published port; this asserts it uses nothing the README's command does not.
    how: 'uses only the env vars and port the container test runs the image with',
    matches: startsWith('docker', 'run'),
    async prove(words) {
      const containerTest = readFileSync(fromRoot('test/container/container-test.sh'), 'utf8');
      const runSh = readFileSync(fromRoot('test/container/run.sh'), 'utf8');
      const options = words.slice(2, -1);
      assert.ok(options.length > 0 && options.length % 2 === 0, `flag/value pairs: ${options.join(' ')}`);
      for (let i = 0; i < options.length; i += 2) {
        const [flag, value] = [options[i]!, options[i + 1]!];
        if (flag === '-e') {
          const [name, setting] = value.split('=') as [string, string];
          // The test gives CONSUL its own agent's address; SERVICE as the README does.
          const given = name === 'CONSUL' ? `-e "?${name}=` : `-e "?${name}=${setting}\\b`;
          assert.match(containerTest, new RegExp(given), `the container test runs the image with -e ${name}=…`);
          assert.match(readFileSync(fromRoot('src/cli/lb.ts'), 'utf8'), new RegExp(`env\\.${name}\\b`), `drcon lb reads ${name}`);
        } else if (flag === '-p') {
          const containerPort = value.split(':').at(-1)!;
          assert.match(runSh + containerTest, new RegExp(`-p "127\\.0\\.0\\.1:\\$\\w+:${containerPort}"`), `the container test publishes port ${containerPort}`);
          assert.match(readFileSync(fromRoot('Dockerfile'), 'utf8'), new RegExp(`^EXPOSE ${containerPort}$`, 'm'));
        } else assert.fail(`docker run ${flag}: the container test does not exercise it`);
      }
    },
  },
  {
    how: 'runs in watch mode: in.hbs rendered to out.conf, included by a real Nginx, reloaded',
    matches: (words) => startsWith('drcon', 'render')(words) && !words.includes('-once'),
    async prove(words, t) {
      const cleanup = cleanupStack(t);
      const listenPort = await freePort();
      const nginxDir = await tempNginxDir(`127.0.0.1:${await freePort()}`);
      cleanup(() => nginxDir.remove());
      const nginx = await runNginx(nginxDir.layout);
      cleanup(() => nginx.stop());
      // The command's working directory is Nginx's conf.d, whose *.conf nginx.conf includes; the
      // reload addresses this Nginx (its prefix and config) instead of the system's.
      const cwd = join(nginxDir.layout.dir, 'conf.d');
      writeFileSync(join(cwd, 'in.hbs'), serviceTemplate(`127.0.0.1:${listenPort}`));
      const args = withFlag(words, '-template', (spec) => {
        const [source, destination, ...command] = spec.split(':');
        assert.equal(`${source}:${destination}`, 'in.hbs:out.conf');
        const reload = command.join(':');
        assert.match(reload, /^nginx /);
        return `${source}:${destination}:${reload.replace(/^nginx /, `${shellCommandLine([nginxDir.layout.nginx, ...nginxArgs(nginxDir.layout)])} `)}`;
      }).slice(1);
      const drcon = startDrcon(args, { cwd, env: { CONSUL_HTTP_ADDR: consul.address } });
      cleanup(() => drcon.stop());
      await servedByBackend(`http://127.0.0.1:${listenPort}/`, drcon);
      assert.match(readFileSync(join(cwd, 'out.conf'), 'utf8'), new RegExp(`server 127\\.0\\.0\\.1:${backend.port};`));
      assert.equal(await drcon.stop('SIGTERM'), 0, drcon.output());
    },
  },
  {
    how: 'renders in.hbs to stdout and writes nothing',
    matches: (words) => startsWith('drcon', 'render')(words) && words.includes('-once'),
    async prove(words) {
      const cwd = workDir('render-once-dry');
      writeFileSync(join(cwd, 'in.hbs'), serviceTemplate('8080'));
      assert.ok(words.includes('-dry'));
      const run = await runDrcon(words.slice(1), { cwd, env: { CONSUL_HTTP_ADDR: consul.address } });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`server 127\\.0\\.0\\.1:${backend.port};`));
      assert.deepEqual(readdirSync(cwd), ['in.hbs'], 'out.conf not written');
    },
  },
  {
    how: 'runs drcon lb against the test agent on free ports, serving the backend, then SIGTERM',
    matches: startsWith('drcon', 'lb'),
    async prove(words, t) {
      const port = await freePort();
      const dir = workDir('lb-command');
      let args = withFlag(words, '-consul-addr', () => consul.address);
      args = withFlag(args, '-listen', () => String(port));
      args = withFlag(args, '-dir', () => join(dir, 'drcon-lb'));
      assert.equal(args[args.indexOf('-service') + 1], 'simple');
      const status = await statusAddress();
      const drcon = started(t, startDrcon(args.slice(1), { env: { STATUS_ADDR: status } }));
      await servedByBackend(`http://127.0.0.1:${port}/`, drcon);
      await t.test('its /metrics serves every metric the README names, and the README names each of drcon\'s', () => metricsMatchReadme(status));
      assert.equal(await drcon.stop('SIGTERM'), 0, drcon.output());
    },
  },
  {
    how: 'converts the DR CoN walkthrough\'s consul-template text, which then renders from Consul',
    matches: startsWith('drcon', 'convert'),
    async prove(words) {
      const cwd = workDir('convert');
      writeFileSync(join(cwd, words[2]!), drconCtmpl);
      const run = await runDrcon(words.slice(1), { cwd });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      const output = words[words.indexOf('-o') + 1]!;
      const rendered = await runDrcon(['render', '-once', '-dry', '-template', `${output}:out.conf`], { cwd, env: { CONSUL_HTTP_ADDR: consul.address } });
      assert.equal(rendered.code, 0, rendered.stderr);
      assert.match(rendered.stdout, new RegExp(`^ {2}server {2}127\\.0\\.0\\.1:${backend.port};$`, 'm'));
      assert.match(rendered.stdout, /^ {4}proxy_pass http:\/\/app;$/m);
    },
  },
];

describe('every command in README.md runs', { concurrency: 3 }, () => {
  for (const command of readmeCommands()) {
    const matching = proofs.filter((proof) => proof.matches(command.words));
    const how = matching.length === 1 ? matching[0]!.how : 'has a proof';
    test(`line ${command.line}: ${command.words.join(' ')} — ${how}`, async (t) => {
      assert.equal(matching.length, 1, `one proof in test/readme.test.ts for: ${command.words.join(' ')}`);
      await matching[0]!.prove([...command.words], t);
    });
  }
  test('every proof here proves a command the README has', () => {
    const commands = readmeCommands();
    for (const proof of proofs) assert.ok(commands.some((command) => proof.matches(command.words)), `no README command for the proof that ${proof.how}`);
  });
});

// ---- The ```handlebars examples -----------------------------------------------------------------

describe('every handlebars example of README.md', () => {
  for (const block of codeBlocks(readme).filter((b) => b.lang === 'handlebars')) {
    test(`line ${block.line}: serves as a drcon lb -template, and passes nginx -t`, async (t) => {
      const dir = workDir(`lb-template-${block.line}`);
      const template = join(dir, 'replacement.hbs');
      writeFileSync(template, block.lines.join('\n') + '\n');
      const port = await freePort();
      const drcon = started(t, startDrcon([
        'lb', '-consul-addr', consul.address, '-service', 'simple', '-listen', `127.0.0.1:${port}`,
        '-dir', join(dir, 'nginx'), '-template', template, '-status-addr', await statusAddress(),
      ]));
      await servedByBackend(`http://127.0.0.1:${port}/`, drcon);
      const rendered = readFileSync(join(dir, 'nginx', 'conf.d', 'app.conf'), 'utf8');
      assert.match(rendered, new RegExp(`server 127\\.0\\.0\\.1:${backend.port};`));
      // drcon checked it before the reload; check the served configuration once more, directly.
      const nginxDirectory = join(dir, 'nginx');
      const layout = {
        dir: nginxDirectory, mainConfig: join(nginxDirectory, 'nginx.conf'), appConfig: join(nginxDirectory, 'conf.d', 'app.conf'),
        pidFile: join(nginxDirectory, 'nginx.pid'), nginx: await resolveNginxBinary(),
      };
      // nginx -t opens nginx.conf's access log, /dev/stdout, which fails on a socket (Node's pipes are).
      const check = await runProgram(layout.nginx, [...nginxArgs(layout), '-t', '-q'], 'ignore');
      assert.equal(check.code, 0, check.output);
      assert.equal(await drcon.stop('SIGTERM'), 0, drcon.output());
    });
  }
});

// ---- The helper table -----------------------------------------------------------------------------

/** Renders with data fetched from the test agent by drcon's own client and dependencies. */
async function renderFromConsul(template: Template): Promise<RenderResult> {
  const client = new ConsulClient({ addresses: [consul.address] });
  const fetched = new Map<string, { value: unknown }>();
  const data: DataSource = { get: (dependency) => fetched.get(dependency.id) };
  const warnings: string[] = [];
  try {
    for (let round = 0; round < 5; round++) {
      const result = template.render(data);
      if (result.missing.length === 0) {
        assert.deepEqual(warnings, []);
        return result;
      }
      for (const dependency of result.missing) {
        const answer = await client.get(dependency.query.path, dependency.query.params);
        fetched.set(dependency.id, { value: dependency.parse({ found: answer.status !== 404, body: answer.body }, (warning) => warnings.push(warning)) });
      }
    }
    throw new Error(`${template.name}: still missing data after 5 rounds`);
  } finally {
    await client.close();
  }
}

/**
 * Each example of the table, with where it is used (fields of an instance are read inside
 * `{{#each (service "web")}}`, a tag inside its `{{#each Tags}}`; `|` ends each one) and what it
 * gives from the data registered above. web-1 (10.0.0.1:8001, tags primary and urlprefix-/web)
 * and web-2 (10.0.0.2:8002, tag backup) are on the agent's one node.
 */
const helperExamples: Record<string, { within?: 'instance' | 'tag'; gives: (node: string) => string | RegExp }> = {
  service: { gives: () => `server 127.0.0.1:${backend.port};` },
  // Services sorted by name; a service's tags in the order Consul gives them.
  services: { gives: () => /^consul simple web (?:(?:backup|primary|urlprefix-\/web) ){3}$/ },
  key: { gives: () => 'worker_connections 1024;' },
  keyOrDefault: { gives: () => 'fallback' },
  ls: { gives: () => 'a=1' },
  tree: { gives: () => 'a=1sub/b=2' },
  nodes: { gives: (node) => `${node} 127.0.0.1` },
  env: { gives: () => process.env['HOME'] ?? '' },
  livePeers: { gives: () => '' },
  hostPort: { within: 'instance', gives: () => 'server 10.0.0.1:8001;|server 10.0.0.2:8002;|' },
  identifier: { within: 'instance', gives: () => 'upstream web {|upstream web {|' },
  routes: { gives: () => 'location ^~ /web { proxy_pass http://web; }' },
  byTag: { gives: () => 'backup: 10.0.0.2 primary: 10.0.0.1 urlprefix-/web: 10.0.0.1 ' },
  'toLower, toUpper': { within: 'instance', gives: () => 'web|web|' },
  join: { within: 'instance', gives: () => 'primary,urlprefix-/web|backup|' },
  replaceAll: { within: 'instance', gives: () => 'web|web|' },
  'contains, startsWith, eq, ne': { within: 'instance', gives: () => 'server 10.0.0.1:8001;|server 10.0.0.2:8002 backup;|' },
  trimPrefix: { within: 'tag', gives: () => 'primary|/web|backup|' },
  node: { gives: () => '127.0.0.1: consul simple web web ' },
  datacenters: { gives: () => 'dc1 ' },
  keyExists: { gives: () => 'custom' },
  'safeLs, safeTree': { gives: () => 'a=1;sub/b=2;' },
  split: { gives: () => 'a;b;' },
  'trimSuffix, trimSpace': { gives: () => 'web' },
  'regexMatch, regexReplaceAll': { within: 'instance', gives: () => 'node1|node2|' },
  'in, containsAny, containsAll': { within: 'instance', gives: () => 'live|backup|' },
  byMeta: { gives: () => '2: 10.0.0.1 _no_version_: 10.0.0.2 ' },
  parseJSON: { gives: () => 'location /api { proxy_pass http://127.0.0.1:8080; }location /web { proxy_pass http://127.0.0.1:8081; }' },
  'parseInt, parseBool': { gives: () => 'gzip on; worker_processes 4;' },
  toJSON: { gives: () => '[{"Key":"a","Value":"1"}]' },
  'add, subtract, multiply, divide, modulo, minimum, maximum': { gives: () => 'worker_connections 2048;' },
  'base64Encode, base64Decode': { gives: () => 'MQ==' },
  log: { within: 'instance', gives: () => '||' },
};

interface HelperRow {
  /** The helper cell's names, e.g. "toLower, toUpper". */
  readonly helper: string;
  readonly example: string;
  readonly gives: string;
}

function helperRows(): HelperRow[] {
  const table = tables(section('Templates')).find((rows) => rows[0]?.join('|') === 'helper|example|gives');
  assert.ok(table, 'the Templates section has the helper table');
  return table.slice(1).map(([helper = '', example = '', gives = '']) => {
    const names = inlineCodes(helper).join(', ');
    const code = inlineCodes(example);
    assert.equal(code.length, 1, `one example for ${names}`);
    return { helper: names, example: code[0]!, gives };
  });
}

describe('every example of the README\'s helper table', () => {
  for (const { helper, example } of helperRows()) {
    test(`${helper}: ${example}`, async () => {
      const expected = helperExamples[helper];
      assert.ok(expected, `test/readme.test.ts knows what the ${helper} example gives`);
      const name = `README example of ${helper}`;
      Template.fromSource(example, name); // loads on its own: helpers and their arguments are known
      const source = expected.within === 'instance' ? `{{#each (service "web")}}${example}|{{/each}}`
        : expected.within === 'tag' ? `{{#each (service "web")}}{{#each Tags}}${example}|{{/each}}{{/each}}`
        : example;
      const result = await renderFromConsul(Template.fromSource(source, name));
      assert.ok(result.complete, `complete render (waiting for ${result.waitingForKeys.join(', ')})`);
      const node = ((await consul.api('GET', '/v1/agent/self')) as { Config: { NodeName: string } }).Config.NodeName;
      const gives = expected.gives(node);
      if (gives instanceof RegExp) assert.match(result.output, gives);
      else assert.equal(result.output, gives);
    });
  }
  test('every example this file knows is in the table', () => {
    const helpers = helperRows().map((row) => row.helper);
    assert.deepEqual(Object.keys(helperExamples).filter((helper) => !helpers.includes(helper)), []);
  });
  test('identifier: the name the table shows it making', async () => {
    const gives = helperRows().find((row) => row.helper === 'identifier')?.gives ?? '';
    const [from, to] = inlineCodes(gives);
    assert.ok(from && to, `the identifier row shows \`name\` → \`identifier…\`: ${gives}`);
    const result = await renderFromConsul(Template.fromSource(`{{identifier "${from}"}}`, 'identifier'));
    assert.ok(result.output.startsWith(to.replace(/…$/, '')), `${from} → ${result.output}`);
  });
});

// ---- Flags -------------------------------------------------------------------------------------

interface HelpOption {
  readonly flag: string;
  readonly default: string | undefined;
  readonly choices: string[];
}

/** The options `drcon <command> --help` lists, without --help and --version. */
async function helpOptions(command: string): Promise<HelpOption[]> {
  const run = await runDrcon([command, '--help']);
  assert.equal(run.code, 0, run.stderr);
  const options = run.stdout.slice(run.stdout.indexOf('Options:')).split(/\n(?=\s+(?:-\w, )?--[a-z])/).slice(1);
  return options.map((text) => {
    const flat = text.replace(/\s+/g, ' ');
    return {
      flag: /--([A-Za-z-]+)/.exec(flat)![1]!,
      default: /\[default: ([^\]]*)\]/.exec(flat)?.[1],
      choices: [.../\[choices: ([^\]]*)\]/.exec(flat)?.[1]?.matchAll(/"([^"]*)"/g) ?? []].map((match) => match[1]!),
    };
  }).filter((option) => option.flag !== 'help' && option.flag !== 'version');
}

interface FlagRow {
  readonly flag: string;
  readonly row: string[];
}

/** The flags a section's table documents, and the `-flag`s its prose names ("plus -token-file, …"). */
function documentedFlags(title: string): { rows: FlagRow[]; named: Set<string> } {
  const text = section(title);
  const table = tables(text).find((rows) => rows[0]?.[0] === 'flag');
  assert.ok(table, `## ${title} has a flag table`);
  // A row that is no flag (register's `consul://HOST:PORT` argument) is not one of --help's options.
  const rows = table.slice(1).map((row) => ({ flag: /^-([A-Za-z-]+)/.exec(inlineCodes(row[0]!)[0] ?? '')?.[1] ?? '', row })).filter((row) => row.flag !== '');
  const prose = text.split('\n').filter((line) => !line.startsWith('|')).join('\n');
  const named = new Set([...rows.map((row) => row.flag), ...inlineCodes(prose).flatMap((code) => /^-([a-z][A-Za-z-]*)$/.exec(code)?.[1] ?? [])]);
  return { rows, named };
}

/** The README's default cell as --help prints it: `x` → x, off → false for a switch, $TMPDIR → the temp dir. */
function readmeDefault(cell: string, help: string): string {
  const value = inlineCodes(cell)[0] ?? cell;
  if (help === 'false' && value === 'off') return 'false';
  return value.replace('$TMPDIR', tmpdir());
}

for (const [command, title] of [['render', '`drcon render`'], ['lb', '`drcon lb`'], ['register', '`drcon register`']] as const) {
  test(`drcon ${command}: the README documents exactly the flags of --help, with their defaults and choices`, async () => {
    const options = await helpOptions(command);
    const { rows, named } = documentedFlags(title);
    assert.deepEqual([...named].sort(), options.map((option) => option.flag).sort());
    const cliSource = readdirSync(fromRoot('src/cli')).map((file) => readFileSync(fromRoot(`src/cli/${file}`), 'utf8')).join('\n');
    for (const { flag, row } of rows) {
      const option = options.find((o) => o.flag === flag)!;
      const [, environment = '', defaultCell = ''] = row;
      if (option.default !== undefined) assert.equal(readmeDefault(defaultCell, option.default), option.default, `default of -${flag}`);
      for (const choice of option.choices) assert.ok(row.join(' ').includes(choice), `-${flag}'s README row names ${choice}`);
      for (const name of inlineCodes(environment)) assert.match(cliSource, new RegExp(`env\\.${name}\\b`), `-${flag}: drcon reads ${name}`);
    }
  });
}

// ---- Metrics, scripts, paths ---------------------------------------------------------------------

/** drcon_… names in the README, with the label names it gives them. */
function readmeMetrics(): Map<string, string[]> {
  const metrics = new Map<string, string[]>();
  for (const code of inlineCodes(readme)) {
    const match = /^(drcon_[a-z_]+)(?:\{([a-z_,]*)\})?$/.exec(code);
    if (match) metrics.set(match[1]!, match[2] ? match[2].split(',') : []);
  }
  return metrics;
}

async function metricsMatchReadme(status: string): Promise<void> {
  // Every series with labels exists once a render was checked and Nginx reloaded.
  const text = await waitFor('a command in /metrics', async () => {
    const body = (await get(`http://${status}/metrics`)).body;
    return /^drcon_commands_total\{.*kind="command"/m.test(body) && body;
  }, { timeoutMs: 30_000 });
  const types = new Map([...text.matchAll(/^# TYPE (drcon_\w+) (\w+)$/gm)].map((match) => [match[1]!, match[2]!]));
  // drcon register's metrics are served by register, not by render (tested apart, below).
  const named = new Map([...readmeMetrics()].filter(([name]) => !name.startsWith('drcon_register_')));
  assert.deepEqual([...types.keys()].filter((name) => !named.has(name)), [], 'served but not in the README');
  for (const [name, labels] of named) {
    assert.ok(types.has(name), `${name} in /metrics`);
    const sample = types.get(name) === 'histogram' ? `${name}_sum` : name;
    const labelSets = [...text.matchAll(new RegExp(`^${sample}(?:\\{([^}]*)\\})? `, 'gm'))]
      .map((match) => [...(match[1] ?? '').matchAll(/(\w+)="/g)].map((label) => label[1]!).sort().join(','));
    assert.ok(labelSets.length > 0, `a sample of ${name}`);
    for (const set of labelSets) assert.equal(set, [...labels].sort().join(','), `labels of ${name}`);
  }
}

test('the drcon_register_ metrics the README names are exactly those drcon register serves', async () => {
  const served = new Set([...(await new RegisterStatus({ served: true }).metrics()).matchAll(/^# TYPE (drcon_\w+) /gm)].map((match) => match[1]!));
  const named = [...readmeMetrics().keys()].filter((name) => name.startsWith('drcon_register_'));
  assert.deepEqual(named.sort(), [...served].sort());
});

test('every `npm run` script the README names exists; npm run bench --help works', async () => {
  const scripts = [...readme.matchAll(/npm run ([a-z-]+)/g)].map((match) => match[1]!);
  assert.ok(scripts.includes('demo'));
  for (const script of scripts) assert.ok(packageScripts[script], `package.json has script ${script}`);
  if (scripts.includes('bench')) {
    assert.match(packageScripts['bench']!, /\bnode scripts\/bench\.ts$/);
    const { code, output } = await runProgram(process.execPath, [fromRoot('scripts/bench.ts'), '--help']);
    assert.equal(code, 0, output);
    assert.match(output, /usage: npm run bench/);
  }
});

test('every repository path the README names exists', () => {
  const architecture = codeBlocks(readme).filter((block) => block.lang === '').flatMap((block) => block.lines);
  const paths = [
    ...architecture.map((line) => line.split(/\s/)[0]!).filter(Boolean),
    ...inlineCodes(readme).filter((code) => /^(src|test|templates|nginx|scripts)\/[\w./-]*$/.test(code)),
  ];
  assert.ok(paths.includes('templates/app.conf.hbs'));
  for (const path of paths) assert.ok(existsSync(fromRoot(path)), `${path} exists`);
  // Every folder of src/ is in the architecture list.
  const listed = new Set(architecture.map((line) => line.split(/\s/)[0]));
  const folders = readdirSync(fromRoot('src'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => `src/${entry.name}/`);
  assert.deepEqual(folders.filter((folder) => !listed.has(folder)), []);
});
