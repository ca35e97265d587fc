import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HealthTracker } from '../../src/status/health.ts';

function tracker(templates = ['app.hbs']) {
  let now = Date.parse('2024-05-01T10:00:00Z');
  const health = new HealthTracker({ templates, watches: () => 2, now: () => now });
  return { health, tick: (ms: number) => (now += ms) };
}

/** A template that rendered once with all its data. */
function renderedOnce(health: HealthTracker, template = 'app.hbs') {
  health.needs(template, ['health.service(web|passing)', 'kv.key(x)'], []);
  health.rendered(template);
  health.consulRequest('/v1/health/service', 200);
}

describe('HealthTracker', () => {
  it('is not healthy before the first complete render', () => {
    const { health } = tracker();
    const report = health.report();
    assert.equal(report.healthy, false);
    assert.equal(report.checks.dataComplete, false);
    assert.deepEqual(report.problems, ['template app.hbs: not rendered yet']);
    assert.equal(report.templates[0]!.lastRenderAt, null);
  });

  it('says what a template waits for', () => {
    const { health } = tracker();
    health.needs('app.hbs', ['health.service(web|passing)', 'kv.key(x)'], ['kv.key(x)']);
    assert.deepEqual(health.report().problems, ['template app.hbs: not rendered yet, waiting for kv.key(x)']);
  });

  it('is healthy once every template rendered with all its data and Consul answered', () => {
    const { health } = tracker();
    renderedOnce(health);
    const report = health.report();
    assert.equal(report.healthy, true, report.problems.join('; '));
    assert.deepEqual(report.checks, { dataComplete: true, consulReachable: true, lastRunSucceeded: true });
    assert.equal(report.watches, 2);
    assert.equal(report.templates[0]!.lastRenderAt, '2024-05-01T10:00:00.000Z');
    assert.deepEqual(report.templates[0]!.dependencies, ['health.service(web|passing)', 'kv.key(x)']);
  });

  it('counts Consul unreachable from the first failed request until one succeeds', () => {
    const { health, tick } = tracker();
    renderedOnce(health);
    tick(1000);
    health.consulRequest('/v1/kv', 'error');
    tick(1000);
    health.consulRequest('/v1/kv', 'error');
    let report = health.report();
    assert.equal(report.healthy, false);
    assert.equal(report.checks.consulReachable, false);
    assert.equal(report.consul.failingSince, '2024-05-01T10:00:01.000Z', 'the first failure, not the latest');
    assert.match(report.problems[0]!, /^consul unreachable since 2024-05-01T10:00:01.000Z: GET \/v1\/kv: no answer$/);
    health.consulRequest('/v1/kv', 200);
    report = health.report();
    assert.equal(report.healthy, true);
    assert.equal(report.consul.failingSince, null);
  });

  it('takes a 5xx as Consul unavailable and a 4xx as an answer', () => {
    const { health } = tracker();
    renderedOnce(health);
    health.consulRequest('/v1/health/service', 500);
    assert.equal(health.report().checks.consulReachable, false);
    assert.equal(health.report().consul.lastFailure, 'GET /v1/health/service: 500');
    health.consulRequest('/v1/kv', 403);
    assert.equal(health.report().checks.consulReachable, true);
  });

  it('fails on a failed check until a later render passes it, and keeps the last error', () => {
    const { health, tick } = tracker();
    renderedOnce(health);
    tick(5000);
    health.checkFailed('app.hbs', 'check failed: exited with 1: [emerg] unknown directive');
    health.rendered('app.hbs');
    let report = health.report();
    assert.equal(report.healthy, false);
    assert.equal(report.checks.lastRunSucceeded, false);
    assert.deepEqual(report.problems, ['template app.hbs: check failed: check failed: exited with 1: [emerg] unknown directive']);
    health.rendered('app.hbs');
    health.checkPassed('app.hbs');
    report = health.report();
    assert.equal(report.healthy, true);
    assert.deepEqual(report.templates[0]!.lastError, { message: 'check: check failed: exited with 1: [emerg] unknown directive', at: '2024-05-01T10:00:05.000Z' });
  });

  it('fails on a failed render or command until the stage succeeds again', () => {
    const { health } = tracker(['a.hbs', 'b.hbs']);
    renderedOnce(health, 'a.hbs');
    renderedOnce(health, 'b.hbs');
    health.renderFailed('a.hbs', 'app.hbs:3: unknown helper "nope"');
    health.commandDone('b.hbs', 'command failed: exited with 2');
    assert.deepEqual(health.report().problems, [
      'template a.hbs: render failed: app.hbs:3: unknown helper "nope"',
      'template b.hbs: command failed: command failed: exited with 2',
    ]);
    health.rendered('a.hbs');
    health.commandDone('b.hbs');
    assert.equal(health.report().healthy, true);
  });

  it('counts a failing watch only while a template needs it', () => {
    const { health } = tracker();
    renderedOnce(health);
    health.watchFailed('kv.key(x)', 'GET /v1/kv/x: 403 Permission denied');
    assert.deepEqual(health.report().problems, ['watch kv.key(x) failing: GET /v1/kv/x: 403 Permission denied']);
    health.needs('app.hbs', ['health.service(web|passing)'], []);
    assert.equal(health.report().healthy, true, 'the template no longer uses the key');
    health.needs('app.hbs', ['kv.key(x)'], []);
    health.watchRecovered('kv.key(x)');
    assert.equal(health.report().healthy, true);
  });

  it('is unhealthy while a rendered template waits for new data', () => {
    const { health } = tracker();
    renderedOnce(health);
    health.needs('app.hbs', ['kv.key(x)', 'kv.list(new/)'], ['kv.list(new/)']);
    const report = health.report();
    assert.equal(report.checks.dataComplete, false);
    assert.deepEqual(report.templates[0]!.waitingFor, ['kv.list(new/)']);
  });

  it('is not healthy while the command of a changed file has not run', () => {
    const { health } = tracker();
    renderedOnce(health);
    health.commandPending('app.hbs');
    assert.deepEqual(health.report().problems, ['template app.hbs: command pending']);
    health.commandDone('app.hbs');
    assert.equal(health.report().healthy, true);
  });
});
