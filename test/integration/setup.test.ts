// scripts/setup.sh, the first step of `npm test` and `npm run demo`, on a copy of the project: the
// node packages are installed by a real npm ci, with the system's own Node first on PATH (older
// than the engines on a machine with Node 20), and no EBADENGINE warning may come out of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitWithOutput } from '../../harness/process-end.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** PATH without this project's node_modules/.bin: `node` is then the system's own. */
const systemPath = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.includes('node_modules')).join(delimiter);
const systemNode = spawnSync('node', ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: systemPath } }).stdout.trim();

async function setup(dir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('bash', ['scripts/setup.sh'], { cwd: dir, env: { ...process.env, PATH: systemPath }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return { code: await exitWithOutput(child), output };
}

test(`setup installs and runs on the project's Node, without EBADENGINE (system Node ${systemNode || 'none'})`, { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drcon-setup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // What npm ci needs: the manifests, and the sources its prepare script compiles.
  for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/setup.sh', 'scripts/bundle.ts', 'src']) {
    cpSync(join(root, path), join(dir, path), { recursive: true });
  }
  const nodeLine = /^setup: drcon runs on Node (v\d+)\.\d+\.\d+ \(node_modules\/\.bin\/node\)$/gm;

  const fresh = await setup(dir);
  assert.equal(fresh.code, 0, fresh.output);
  assert.doesNotMatch(fresh.output, /EBADENGINE/);
  assert.match(fresh.output, /^setup: installing node packages \(npm ci\)$/m);
  assert.deepEqual([...fresh.output.matchAll(nodeLine)].map((match) => match[1]), ['v24'], fresh.output);

  // A newer lock file installs again, over the installed packages (and their Node).
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(dir, 'package-lock.json'), later, later);
  const again = await setup(dir);
  assert.equal(again.code, 0, again.output);
  assert.doesNotMatch(again.output, /EBADENGINE/);
  assert.match(again.output, /^setup: installing node packages \(npm ci\)$/m);
  assert.deepEqual([...again.output.matchAll(nodeLine)].map((match) => match[1]), ['v24'], again.output);
});
