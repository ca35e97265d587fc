// src/README.md's table of folders is the map a newcomer reads: each folder's row names the
// folders it may import. This holds the code to it, so the map cannot drift from the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src', import.meta.url));
const map = readFileSync(join(src, 'README.md'), 'utf8');

/** Folder → the folders it may import, from the table's rows, top to bottom. */
function allowedImports(): Map<string, Set<string>> {
  const rows = [...map.matchAll(/^\| `(\w+)\/` \|[^\n]*\|([^|\n]*)\|$/gm)].map((match) => ({ folder: match[1]!, allowed: match[2]!.trim() }));
  const allowed = new Map<string, Set<string>>();
  rows.forEach(({ folder, allowed: text }, index) => {
    const below = rows.slice(index + 1).map((row) => row.folder);
    allowed.set(folder, new Set(text === 'every folder below' ? below : [...text.matchAll(/`(\w+)\/`/g)].map((match) => match[1]!)));
  });
  return allowed;
}

/** Every .ts file of src/, as a path relative to it. */
function sources(dir = src): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [relative(src, path)] : [];
  });
}

const topFolder = (path: string) => path.split('/')[0]!;

test('the table of src/README.md names every folder of src/, once', () => {
  const folders = readdirSync(src, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  assert.deepEqual([...allowedImports().keys()].sort(), folders.sort());
});

test('every import between folders of src/ is one the table allows', () => {
  const allowed = allowedImports();
  const breaches: string[] = [];
  // main.ts, at the top of src/, only starts the CLI.
  for (const file of sources().filter((path) => path.includes('/'))) {
    const from = topFolder(file);
    for (const match of readFileSync(join(src, file), 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = relative(src, resolve(dirname(join(src, file)), match[1]!));
      const to = topFolder(target);
      if (target.includes('/') && to !== from && !allowed.get(from)?.has(to)) breaches.push(`src/${file} imports src/${target}`);
    }
  }
  assert.deepEqual(breaches, []);
});
