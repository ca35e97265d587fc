import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuietWindow } from '../../src/runner/quiet-window.ts';
import { RenderScheduler } from '../../src/runner/scheduler.ts';
import { FakeClock } from './fake-clock.ts';

/** A window in front of a scheduler, as the runner has them; records when runs started. */
function setup(wait: { minMs: number; maxMs: number }, minIntervalMs = 0) {
  const clock = new FakeClock();
  const starts: number[] = [];
  let state = 0;
  const seen: number[] = [];
  const scheduler = new RenderScheduler({ minIntervalMs, clock }, async () => {
    starts.push(clock.now());
    seen.push(state);
    return true;
  });
  const window = new QuietWindow(wait, () => scheduler.trigger(), clock);
  const change = (): void => {
    state++;
    window.trigger();
  };
  return { clock, window, change, starts, seen, state: () => state };
}

describe('QuietWindow', () => {
  it('lets a burst through once no change came for min', async () => {
    const { clock, change, starts } = setup({ minMs: 100, maxMs: 400 });
    change();
    await clock.advanceTo(50);
    change();
    await clock.advanceTo(120);
    change();
    await clock.advanceTo(219);
    assert.deepEqual(starts, []);
    await clock.advanceTo(1000);
    assert.deepEqual(starts, [220]);
  });

  it('lets it through at the latest max after the first change of a burst', async () => {
    const { clock, change, starts, seen, state } = setup({ minMs: 100, maxMs: 400 });
    for (let t = 0; t <= 600; t += 50) {
      await clock.advanceTo(t);
      change();
    }
    await clock.advanceTo(2000);
    // 400: max after the burst began at 0; the next burst began at 400 and went quiet at 600.
    assert.deepEqual(starts, [400, 700]);
    assert.equal(seen.at(-1), state());
  });

  it('the scheduler still keeps minIntervalMs between runs', async () => {
    const { clock, change, starts } = setup({ minMs: 100, maxMs: 100 }, 500);
    change();
    await clock.advanceTo(150);
    change();
    await clock.advanceTo(2000);
    assert.deepEqual(starts, [100, 600]);
  });

  it('stop forgets the burst waiting for quiet', async () => {
    const { clock, change, window, starts } = setup({ minMs: 100, maxMs: 100 });
    change();
    window.stop();
    await clock.advance(1000);
    assert.deepEqual(starts, []);
  });
});
