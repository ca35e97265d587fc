// Several -config files merge in order, the environment gives way to them and flags win over all.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveSettings } from '../../src/cli/settings-from-flags.ts';
import { UsageError } from '../../src/cli/usage-error.ts';

describe('-config files with the environment and flags', () => {
  let dir: string;
  let base: string;
  let override: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drcon-config-merge-'));
    base = join(dir, 'base.hcl');
    await writeFile(base, [
      'consul {\n  address = "base:8500"\n  token = "base-token"\n}',
      'log_level = "warn"',
      'max_stale = "5s"',
      'wait { min = "1s" max = "2s" }',
      'template {\n  source = "a.hbs"\n  destination = "a.conf"\n}',
    ].join('\n'));
    override = join(dir, 'override.json');
    await writeFile(override, JSON.stringify({
      consul: { address: 'override:8500' },
      max_stale: '7s',
      template: [{ source: 'b.hbs', destination: 'b.conf', command: 'reload b' }],
    }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('merges the files in order: a later file wins, templates add up', async () => {
    const settings = await resolveSettings({ config: [base, override] }, {});
    assert.deepEqual(settings.consulAddresses, ['override:8500']);
    assert.equal(settings.token, 'base-token');
    assert.equal(settings.maxStaleMs, 7000);
    assert.equal(settings.logLevel, 'warn');
    assert.deepEqual(settings.wait, { minMs: 1000, maxMs: 2000 });
    assert.deepEqual(settings.templates, [
      { source: 'a.hbs', destination: 'a.conf' },
      { source: 'b.hbs', destination: 'b.conf', command: 'reload b' },
    ]);

    const reversed = await resolveSettings({ config: [override, base] }, {});
    assert.deepEqual(reversed.consulAddresses, ['base:8500']);
    assert.equal(reversed.maxStaleMs, 5000);
    assert.deepEqual(reversed.templates.map((template) => template.source), ['b.hbs', 'a.hbs']);
  });

  it('lets flags win over every file; -template adds to the files\' templates', async () => {
    const settings = await resolveSettings({
      config: [base, override],
      consulAddr: ['flag:8500'],
      maxStale: '9s',
      logLevel: 'debug',
      wait: '3s:4s',
      template: ['c.hbs:c.conf'],
    }, {});
    assert.deepEqual(settings.consulAddresses, ['flag:8500']);
    assert.equal(settings.maxStaleMs, 9000);
    assert.equal(settings.logLevel, 'debug');
    assert.deepEqual(settings.wait, { minMs: 3000, maxMs: 4000 });
    assert.deepEqual(settings.templates.map((template) => template.source), ['a.hbs', 'b.hbs', 'c.hbs']);
  });

  it('lets the files win over the environment', async () => {
    const env = { CONSUL_HTTP_ADDR: 'env:8500', CONSUL_HTTP_TOKEN: 'env-token' };
    const fromFiles = await resolveSettings({ config: [base] }, env);
    assert.deepEqual(fromFiles.consulAddresses, ['base:8500']);
    assert.equal(fromFiles.token, 'base-token');
    const withoutToken = await resolveSettings({ config: [override] }, env);
    assert.equal(withoutToken.token, 'env-token');
  });

  it('turns a file\'s mistakes into a usage error that keeps every line', async () => {
    const bad = join(dir, 'bad.hcl');
    await writeFile(bad, 'vault {\n  address = "https://v:8200"\n}\nsyslog {\n  enabled = true\n}\n');
    await assert.rejects(resolveSettings({ config: [base, bad] }, {}), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message, `${bad}: unsupported setting "syslog"\n${bad}: unsupported setting "vault"`);
      return true;
    });
  });
});
