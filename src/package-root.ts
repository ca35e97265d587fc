// Where drcon's package is: the directory holding package.json, templates/ and nginx/. This file
// is one level below it in every layout: src/, dist/ as tsc emits it, and the bundle in dist/
// (whose files all sit in dist/ itself, whichever chunk this code lands in).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** A path inside the package, e.g. packagePath('templates', 'app.conf.hbs'). */
export function packagePath(...segments: string[]): string {
  return join(packageRoot, ...segments);
}
