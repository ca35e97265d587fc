import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSettings, mergeSettings } from '../../src/config/settings.ts';

describe('mergeSettings', () => {
  it('starts from the defaults', () => {
    const settings = mergeSettings();
    assert.deepEqual(settings, { ...defaultSettings, templates: [] });
    assert.equal(settings.minIntervalMs, 200);
    assert.equal(settings.maxStaleMs, 2000);
    assert.equal(settings.commandTimeoutMs, 30_000);
    assert.equal(settings.blockingWaitMs, 60_000);
  });

  it('lets a later value win and skips undefined ones', () => {
    const settings = mergeSettings(
      { token: 'from-env', consulAddresses: ['a:8500'], logLevel: 'debug' },
      { token: 'from-file', maxStaleMs: 5000, wait: { minMs: 1, maxMs: 4 } },
      { token: undefined, maxStaleMs: 1000, logLevel: undefined },
    );
    assert.equal(settings.token, 'from-file');
    assert.equal(settings.maxStaleMs, 1000);
    assert.equal(settings.logLevel, 'debug');
    assert.deepEqual(settings.consulAddresses, ['a:8500']);
    assert.deepEqual(settings.wait, { minMs: 1, maxMs: 4 });
  });

  it('adds templates up: config files first, then flags', () => {
    const settings = mergeSettings(
      { templates: [{ source: 'a', destination: 'a.conf' }] },
      { templates: [{ source: 'b', destination: 'b.conf', command: 'reload' }] },
    );
    assert.deepEqual(
      settings.templates.map((template) => template.source),
      ['a', 'b'],
    );
  });

  it('does not share the default address list with the result', () => {
    mergeSettings().consulAddresses.push('changed:1');
    assert.deepEqual(mergeSettings().consulAddresses, ['127.0.0.1:8500']);
  });
});
