import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSettings } from '../../src/config/settings.ts';
import { createLogger } from '../../src/log/logger.ts';
import { settingsForLog } from '../../src/status/settings-log.ts';

describe('settingsForLog', () => {
  it('shows the effective settings and only whether a token is set', () => {
    const settings = mergeSettings({
      consulAddresses: ['consul:8500', 'backup:8500'], token: 's3cr3t-token', wait: { minMs: 2000, maxMs: 8000 },
      templates: [{ source: 'app.hbs', destination: 'app.conf', check: 'nginx -t', command: 'nginx -s reload' }],
    });
    const fields = settingsForLog(settings, { host: '127.0.0.1', port: 9600 });
    assert.equal(fields.token, 'set');
    assert.equal(fields.consul, 'consul:8500,backup:8500');
    assert.deepEqual(fields.templates, ['app.hbs → app.conf (check: nginx -t; command: nginx -s reload)']);
    assert.equal(fields.wait, '2000ms:8000ms');
    assert.equal(fields.status, '127.0.0.1:9600');
    assert.equal(fields.minIntervalMs, 200);
    const lines: string[] = [];
    createLogger({ write: (line) => lines.push(line) }).info('settings', fields);
    assert.doesNotMatch(lines[0]!, /s3cr3t/);
    assert.match(lines[0]!, / token=set /);
  });

  it('says unset without a token and off without a status server; adds command fields', () => {
    const fields = settingsForLog(mergeSettings(), 'off', { listen: '80' });
    assert.equal(fields.token, 'unset');
    assert.equal(fields.status, 'off');
    assert.equal(fields.listen, '80');
    assert.equal(fields.templates, undefined);
  });
});
