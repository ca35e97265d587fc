// The shipped template (templates/app.conf.hbs) rendered and served by a real Nginx in front of
// real HTTP backends. The catalog data is given literally through the template's DataSource
// interface: what is tested here is the Nginx configuration the template makes from it; the path
// from a real Consul agent to that data is covered by the `drcon lb` integration tests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../src/output/atomic-write.ts';
import { nginxCheckAction } from '../../src/lb/nginx-actions.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { NginxLayout } from '../../src/lb/layout.ts';
import { Template } from '../../src/template/template.ts';
import { startBackend, type Backend } from '../../harness/backend.ts';
import { runNginx, tempNginxDir, type NginxProcess } from '../../harness/nginx.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait.ts';

const templatePath = fileURLToPath(new URL('../../templates/app.conf.hbs', import.meta.url));

type Instance = { Address: string; Port: number };
interface Catalog {
  /** service name → healthy instances */
  health?: Record<string, Instance[]>;
  /** catalog services with their tags (routes mode) */
  services?: { Name: string; Tags: string[] }[];
}

let template: Template;
let removeDir: (() => Promise<void>) | undefined;
let layout: NginxLayout;
let nginx: NginxProcess | undefined;
let listen: string;
let base: string;
const backends: Backend[] = [];

before(async () => {
  template = await Template.fromFile(templatePath);
  const port = await freePort();
  listen = `127.0.0.1:${port}`;
  base = `http://${listen}`;
  const dir = await tempNginxDir(listen);
  removeDir = dir.remove;
  layout = dir.layout;
  nginx = await runNginx(layout);
  await waitFor('nginx to answer', () => fetch(`${base}/`).then((r) => r.status === 503));
});

after(async () => {
  await nginx?.stop();
  await removeDir?.();
  await Promise.all(backends.map((backend) => backend.close()));
});

async function backend(name: string): Promise<Backend> {
  const started = await startBackend(name);
  backends.push(started);
  return started;
}

const at = (b: Backend): Instance => ({ Address: '127.0.0.1', Port: b.port });

function render(services: string[], catalog: Catalog): string {
  const result = template.render(
    {
      get(dependency) {
        const path = dependency.query.path;
        if (path === '/v1/catalog/services') return { value: catalog.services ?? [] };
        const name = decodeURIComponent(path.replace('/v1/health/service/', ''));
        return { value: catalog.health?.[name] ?? [] };
      },
    },
    { listen, services },
    { env: {} },
  );
  assert.equal(result.complete, true);
  return result.output;
}

/** Renders, writes, checks with `nginx -t`, reloads Nginx, and waits until it serves `probe`. */
async function serve(services: string[], catalog: Catalog, probe: () => Promise<boolean>): Promise<void> {
  writeFileAtomic(layout.appConfig, render(services, catalog));
  const checked = await nginxCheckAction(layout, silentLogger, 30_000).run();
  assert.equal(checked.ok, true, checked.output);
  await nginx!.reload();
  await waitFor('nginx to serve the new configuration', probe);
}

/**
 * One request on a fresh connection: a kept-alive one may still be served by a worker of the
 * configuration before the reload, which is Nginx's graceful reload working as intended.
 */
async function get(path: string): Promise<{ status: number; type: string | null; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(base + path, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? null, body }));
    });
    request.on('error', reject);
  });
}

test('SERVICE mode: requests are balanced over every healthy instance, with forwarding headers', async () => {
  const [a, b] = [await backend('simple-a'), await backend('simple-b')];
  await serve(['simple'], { health: { simple: [at(a), at(b)] } }, async () => (await get('/')).status === 200);
  const bodies = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const response = await get('/some/path?x=1');
    assert.equal(response.status, 200);
    bodies.add(response.body);
  }
  assert.deepEqual([...bodies].sort(), ['simple-a\n', 'simple-b\n']);
  const request = [...a.requests, ...b.requests].find((r) => r.url === '/some/path?x=1');
  assert.ok(request, 'a backend saw the request with its path and query');
  assert.equal(request.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(request.headers['x-forwarded-proto'], 'http');
  assert.equal(request.headers['x-forwarded-host'], '127.0.0.1');
  assert.equal(request.headers['host'], listen);
  // Upstream keepalive: Nginx asks for a persistent connection, not "close".
  assert.equal(request.headers['connection'], undefined);
});

test('a request body too large for memory is buffered in the temp dir and reaches the backend', async () => {
  const big = await backend('big');
  await serve(['simple'], { health: { simple: [at(big)] } }, async () => (await get('/')).body === 'big\n');
  const body = Buffer.alloc(1024 * 1024, 'x'); // Nginx keeps 16 KiB in memory, the rest on disk
  const response = await fetch(`${base}/upload`, { method: 'POST', body });
  assert.equal(response.status, 200, nginx?.output());
  assert.equal(await response.text(), 'big\n');
  assert.equal(big.requests.find((r) => r.url === '/upload')?.bodyBytes, body.length);
});

test('SERVICE mode: each service is also served at /IDENTIFIER/, the first one at /', async () => {
  const [first, second] = [await backend('first'), await backend('second')];
  await serve(['first', 'CAS Client Service'], { health: { first: [at(first)], 'CAS Client Service': [at(second)] } }, async () =>
    (await get('/')).body === 'first\n');
  assert.equal((await get('/first/x')).body, 'first\n');
  const identifierPath = render(['first', 'CAS Client Service'], {}).match(/location (\/CAS_Client_Service_\w+\/)/)?.[1];
  assert.ok(identifierPath, 'the service with spaces has a location named by its identifier');
  assert.equal((await get(`${identifierPath}x`)).body, 'second\n');
});

test('a service with no healthy instance answers 503 in plain text naming it', async () => {
  await serve(['simple'], { health: {} }, async () => (await get('/')).status === 503);
  assert.deepEqual(await get('/'), { status: 503, type: 'text/plain', body: 'no healthy instance of service simple\n' });

  // A name with spaces is escaped into the message, percent-encoded, and the config stays valid.
  const services = ['simple', 'CAS Client Service'];
  const casPath = render(services, {}).match(/location (\/CAS_Client_Service_\w+\/)/)?.[1] ?? '/missing/';
  const expected = { status: 503, type: 'text/plain', body: 'no healthy instance of service CAS%20Client%20Service\n' };
  await serve(services, { health: {} }, async () => (await get(casPath)).body === expected.body);
  assert.deepEqual(await get(`${casPath}x`), expected);
});

test('an instance that refuses connections is skipped: every GET still gets an answer', async () => {
  const live = await backend('live');
  const deadPort = await freePort(); // nothing listens there: connections are refused
  await serve(['simple'], { health: { simple: [{ Address: '127.0.0.1', Port: deadPort }, at(live)] } }, async () =>
    (await get('/retry-probe')).status === 200);
  for (let i = 0; i < 10; i++) assert.deepEqual(await get('/'), { status: 200, type: 'text/plain', body: 'live\n' });
});

test('routes mode (no SERVICE): urlprefix tags become locations; unrouted paths get 404', async () => {
  const [api, web] = [await backend('api'), await backend('web')];
  const catalog: Catalog = {
    services: [
      { Name: 'api', Tags: ['urlprefix-/api', 'urlprefix-/v2/api', 'other'] },
      { Name: 'web', Tags: ['urlprefix-/web'] },
      { Name: 'down', Tags: ['urlprefix-/down'] },
      { Name: 'hosted', Tags: ['urlprefix-example.com/hosted'] },
    ],
    health: { api: [at(api)], web: [at(web)] },
  };
  await serve([], catalog, async () => (await get('/api')).body === 'api\n');
  assert.equal((await get('/api/users')).body, 'api\n');
  assert.equal((await get('/v2/api/x')).body, 'api\n');
  assert.equal((await get('/web/index.html')).body, 'web\n');
  assert.deepEqual(await get('/down/x'), { status: 503, type: 'text/plain', body: 'no healthy instance of service down\n' });
  assert.deepEqual(await get('/hosted'), { status: 404, type: 'text/plain', body: 'no route for this path\n' });
  assert.deepEqual(await get('/elsewhere'), { status: 404, type: 'text/plain', body: 'no route for this path\n' });
});

test('routes mode: a `urlprefix-/` route takes every path no longer route matches', async () => {
  const [root, api] = [await backend('root'), await backend('api-2')];
  const catalog: Catalog = {
    services: [{ Name: 'root', Tags: ['urlprefix-/'] }, { Name: 'api', Tags: ['urlprefix-/api'] }],
    health: { root: [at(root)], api: [at(api)] },
  };
  await serve([], catalog, async () => (await get('/anything')).body === 'root\n');
  assert.equal((await get('/api/x')).body, 'api-2\n');
});
