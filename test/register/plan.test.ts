import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan, type DesiredService } from '../../src/register/plan.ts';
import type { OwnedService } from '../../src/register/agent-services.ts';
import { registrationDigest } from '../../src/register/owner-meta.ts';

function desired(id: string, settings: Partial<DesiredService> = {}): DesiredService {
  return {
    registration: { ID: id, Name: 'web', Tags: [], Address: '127.0.0.1', Port: 8000, Meta: {}, Checks: [] },
    container: { id: `c-${id}`, name: id },
    draining: false,
    ...settings,
  };
}
function held(service: DesiredService, settings: Partial<OwnedService> = {}): OwnedService {
  const r = service.registration;
  return { id: r.ID, name: r.Name, address: r.Address, port: r.Port, digest: registrationDigest(r), maintenance: false, checks: new Map(), ...settings };
}
const kinds = (operations: ReturnType<typeof plan>) => operations.map((op) => `${op.kind}:${op.kind === 'deregister' ? op.actual.id : op.service.registration.ID}`);

test('nothing to do when the agent holds exactly what runs', () => {
  const a = desired('a');
  assert.deepEqual(plan(new Map([['a', a]]), new Map([['a', held(a)]])), []);
});

test('missing or changed: registered; held but not running: deregistered; registrations first', () => {
  const a = desired('a');
  const b = desired('b');
  const operations = plan(new Map([['a', a], ['b', b]]), new Map([['b', held(b, { digest: 'old' })], ['gone', held(desired('gone'))]]));
  assert.deepEqual(kinds(operations), ['register:a', 'register:b', 'deregister:gone']);
  assert.deepEqual(operations.map((op) => op.kind === 'register' && op.replaces), [false, true, false]);
});

test('a check status change does not register again: only the check is updated', () => {
  const healthy = desired('a', { health: { checkId: 'service:a:docker-health', status: 'passing', output: 'healthy' } });
  const registration = { ...healthy.registration, Checks: [{ CheckID: 'service:a:docker-health', Name: 'Docker HEALTHCHECK', TTL: '720h', Status: 'passing' as const }] };
  const service = { ...healthy, registration };
  const atAgent = held({ ...service, registration: { ...registration, Checks: [{ ...registration.Checks[0]!, Status: 'critical' }] } }, { checks: new Map([['service:a:docker-health', 'critical']]) });
  assert.deepEqual(kinds(plan(new Map([['a', service]]), new Map([['a', atAgent]]))), ['health:a']);
  assert.deepEqual(kinds(plan(new Map([['a', service]]), new Map([['a', { ...atAgent, checks: new Map([['service:a:docker-health', 'passing']]) }]]))), []);
  assert.deepEqual(kinds(plan(new Map([['a', service]]), new Map([['a', { ...atAgent, checks: new Map([['service:a:docker-health', 'passing']]) }]]), { refreshHealth: true })), ['health:a']);
});

test('draining: maintenance on (also right after a registration), and off again', () => {
  const a = desired('a', { draining: true });
  assert.deepEqual(kinds(plan(new Map([['a', a]]), new Map([['a', held(a)]]))), ['maintenance:a']);
  assert.deepEqual(kinds(plan(new Map([['a', a]]), new Map())), ['register:a', 'maintenance:a']);
  assert.deepEqual(kinds(plan(new Map([['a', a]]), new Map([['a', held(a, { maintenance: true })]]))), []);
  const back = desired('a');
  const operations = plan(new Map([['a', back]]), new Map([['a', held(back, { maintenance: true })]]));
  assert.deepEqual(operations.map((op) => op.kind === 'maintenance' && op.enable), [false]);
});

test('-ttl: its check passed again when the refresh is due, or at once when the agent holds it failing', () => {
  const a = desired('a', { ttlCheckId: 'service:a:drcon-register-ttl' });
  const holding = (status: string) => new Map([['a', held(a, { checks: new Map([['service:a:drcon-register-ttl', status]]) })]]);
  assert.deepEqual(kinds(plan(new Map([['a', a]]), holding('passing'))), []);
  assert.deepEqual(kinds(plan(new Map([['a', a]]), holding('passing'), { refreshTtl: true })), ['ttl:a']);
  // A register that was down: the TTL expired meanwhile.
  assert.deepEqual(kinds(plan(new Map([['a', a]]), holding('critical'))), ['ttl:a']);
  // Registered passing: nothing more to send.
  assert.deepEqual(kinds(plan(new Map([['a', a]]), new Map(), { refreshTtl: true })), ['register:a']);
});
