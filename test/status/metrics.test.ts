import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DrconMetrics } from '../../src/status/metrics.ts';

const drconNames = [
  'drcon_renders_total', 'drcon_render_errors_total', 'drcon_commands_total', 'drcon_command_duration_seconds',
  'drcon_consul_requests_total', 'drcon_consul_request_errors_total', 'drcon_watches', 'drcon_last_success_timestamp_seconds',
];
const nginxNames = ['drcon_nginx_reloads_total', 'drcon_nginx_check_failures_total', 'drcon_nginx_live_updates_total', 'drcon_nginx_restarts_total'];

/** Names declared with # TYPE in Prometheus text. */
const declared = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));

describe('DrconMetrics', () => {
  it('declares every drcon metric and the default process metrics in its own registry', async () => {
    const metrics = new DrconMetrics({ watches: () => 3 });
    metrics.declareTemplates(['a.hbs']);
    const text = await metrics.text();
    for (const name of drconNames) assert.ok(declared(text).has(name), name);
    for (const name of nginxNames) assert.ok(!declared(text).has(name), `${name} outside lb`);
    assert.ok(declared(text).has('process_cpu_user_seconds_total'));
    assert.match(text, /^drcon_watches 3$/m);
    assert.match(text, /^drcon_renders_total\{template="a.hbs"\} 0$/m);
    assert.match(metrics.contentType, /^text\/plain/);
  });

  it('adds the Nginx metrics for lb and counts reloads and rejected configs', async () => {
    const metrics = new DrconMetrics({ watches: () => 0, nginx: true });
    metrics.declareTemplates(['app.conf.hbs']);
    metrics.actionDone('app.conf.hbs', 'check', false, 12);
    metrics.actionDone('app.conf.hbs', 'check', true, 10);
    metrics.actionDone('app.conf.hbs', 'command', true, 1);
    const text = await metrics.text();
    for (const name of nginxNames) assert.ok(declared(text).has(name), name);
    assert.match(text, /^drcon_nginx_check_failures_total 1$/m);
    assert.match(text, /^drcon_nginx_reloads_total\{result="ok"\} 1$/m);
    assert.match(text, /^drcon_nginx_reloads_total\{result="failed"\} 0$/m);
    assert.match(text, /^drcon_commands_total\{template="app.conf.hbs",kind="check",result="failed"\} 1$/m);
    assert.match(text, /^drcon_command_duration_seconds_count\{template="app.conf.hbs",kind="check"\} 2$/m);
  });

  it('counts live updates apart from reloads', async () => {
    const metrics = new DrconMetrics({ watches: () => 0, nginx: true });
    metrics.declareTemplates(['app.conf.hbs']);
    assert.match(await metrics.text(), /^drcon_nginx_live_updates_total\{result="ok"\} 0$/m);
    metrics.liveUpdate(true);
    metrics.liveUpdate(true);
    metrics.liveUpdate(false);
    const text = await metrics.text();
    assert.match(text, /^drcon_nginx_live_updates_total\{result="ok"\} 2$/m);
    assert.match(text, /^drcon_nginx_live_updates_total\{result="failed"\} 1$/m);
    assert.match(text, /^drcon_nginx_reloads_total\{result="ok"\} 0$/m);
  });

  it('counts the restarts of Nginx as told when scraped', async () => {
    let restarts = 0;
    const metrics = new DrconMetrics({ watches: () => 0, nginx: true, nginxRestarts: () => restarts });
    assert.match(await metrics.text(), /^drcon_nginx_restarts_total 0$/m);
    restarts = 2;
    assert.match(await metrics.text(), /^drcon_nginx_restarts_total 2$/m);
  });

  it('keeps engines apart: two instances do not share counters', async () => {
    const first = new DrconMetrics({ watches: () => 0 });
    const second = new DrconMetrics({ watches: () => 0 });
    first.consulRequest('/v1/kv', 'error');
    assert.match(await first.text(), /^drcon_consul_request_errors_total 1$/m);
    assert.match(await first.text(), /^drcon_consul_requests_total\{endpoint="\/v1\/kv",code="error"\} 1$/m);
    assert.match(await second.text(), /^drcon_consul_request_errors_total 0$/m);
  });
});
