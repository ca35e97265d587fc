// `drcon convert` as a user runs it: a real process, real files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertTemplate } from '../../src/convert/convert.ts';
import { runDrcon } from '../../harness/drcon.ts';

describe('drcon convert', () => {
  let dir: string;
  const seed = 'upstream app {\n  least_conn;\n  {{range service "simple"}}\n  server  {{.Address}}:{{.Port}};\n  {{else}}server 127.0.0.1:65535;{{end}}\n}\n';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drcon-convert-'));
    await writeFile(join(dir, 'seed.ctmpl'), seed);
    await writeFile(join(dir, 'vault.ctmpl'), 'upstream db {\n  {{with secret "db"}}{{.Data.password}}{{end}}\n}\n');
    await writeFile(join(dir, 'broken.ctmpl'), 'a {{range service "x"}}b\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('writes the conversion to stdout and exits 0', async () => {
    const run = await runDrcon(['convert', 'seed.ctmpl'], { cwd: dir });
    assert.deepEqual(run, { code: 0, stdout: convertTemplate(seed).output, stderr: '' });
  });

  test('-o writes a file instead', async () => {
    const run = await runDrcon(['convert', 'seed.ctmpl', '-o', 'seed.hbs'], { cwd: dir });
    assert.deepEqual(run, { code: 0, stdout: '', stderr: '' });
    assert.equal(await readFile(join(dir, 'seed.hbs'), 'utf8'), convertTemplate(seed).output);
  });

  test('reports what it cannot translate on stderr, writes the rest, exits 1', async () => {
    const run = await runDrcon(['convert', 'vault.ctmpl'], { cwd: dir });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'vault.ctmpl:2:10: cannot translate "secret": drcon has no equivalent of this function\n');
    assert.equal(run.stdout, 'upstream db {\n  {{#with (untranslated "secret")}}{{Data.password}}{{/with}}\n}\n');
  });

  test('a source that is not a Go template: one error line, nothing written, exit 1', async () => {
    const run = await runDrcon(['convert', 'broken.ctmpl'], { cwd: dir });
    assert.deepEqual(run, { code: 1, stdout: '', stderr: 'broken.ctmpl:1:3: syntax error: {{range}} has no {{end}}\n' });
  });

  test('no file: a usage error, exit 2', async () => {
    const run = await runDrcon(['convert'], { cwd: dir });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^drcon: convert: no template given/);
  });
});
