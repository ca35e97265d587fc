import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RenderScheduler, type SchedulerOptions } from '../../src/runner/scheduler.ts';
import { FakeClock, settle } from './fake-clock.ts';

/**
 * A scheduler whose run takes `runMs` of fake time and records when it started and what it saw;
 * each run reports whether it ran a command (`ranCommand`), which is what paces the next one.
 */
function setup(options: Omit<SchedulerOptions, 'clock'>, runMs = 0, ranCommand = true) {
  const clock = new FakeClock();
  const starts: number[] = [];
  const seen: number[] = [];
  let state = 0;
  let active = 0;
  let mostActive = 0;
  const scheduler = new RenderScheduler({ ...options, clock }, async () => {
    active++;
    mostActive = Math.max(mostActive, active);
    starts.push(clock.now());
    seen.push(state);
    if (runMs > 0) await clock.sleep(runMs);
    active--;
    return ranCommand;
  });
  const change = (): void => {
    state++;
    scheduler.trigger();
  };
  return { clock, scheduler, starts, seen, change, state: () => state, mostActive: () => mostActive };
}

describe('RenderScheduler', () => {
  it('runs the first change after a quiet period at once, without advancing time', async () => {
    const { scheduler, starts } = setup({ minIntervalMs: 200 });
    scheduler.trigger();
    assert.deepEqual(starts, []); // not inside trigger() itself…
    await settle();
    assert.deepEqual(starts, [0]); // …but before any timer could fire
  });

  it('coalesces changes of the same tick into one run', async () => {
    const { change, starts } = setup({ minIntervalMs: 200 });
    change();
    change();
    change();
    await settle();
    assert.deepEqual(starts, [0]);
  });

  it('runs exactly once more after changes that came during a run, never two at once', async () => {
    const { clock, change, starts, seen, state, mostActive } = setup({ minIntervalMs: 200 }, 50);
    change();
    await settle();
    for (let i = 0; i < 5; i++) {
      await clock.advance(5);
      change();
    }
    await clock.advance(1000);
    // The follow-up waits for the first run to end (t=50) and for minIntervalMs after its start.
    assert.deepEqual(starts, [0, 200]);
    assert.deepEqual(seen, [1, state()]); // the last state is the one rendered
    assert.equal(mostActive(), 1);
  });

  it('spaces the runs of a burst minIntervalMs apart and runs a later change at once', async () => {
    const { clock, change, starts, seen, state } = setup({ minIntervalMs: 200 });
    for (let t = 0; t < 1000; t += 10) {
      await clock.advanceTo(t);
      change();
    }
    await clock.advanceTo(1500);
    assert.deepEqual(starts, [0, 200, 400, 600, 800, 1000]);
    assert.equal(seen.at(-1), state());
    await clock.advanceTo(3000);
    change();
    await settle();
    assert.deepEqual(starts.slice(6), [3000]);
  });

  it('does not pace runs that ran no command (dependency discovery stays fast)', async () => {
    const { clock, starts, change } = setup({ minIntervalMs: 200 }, 0, false);
    change();
    await settle();
    change();
    await settle();
    change();
    await settle();
    assert.deepEqual(starts, [0, 0, 0]);
    assert.equal(clock.now(), 0);
  });

  it('a run longer than minIntervalMs is followed at its end', async () => {
    const { clock, change, starts } = setup({ minIntervalMs: 100 }, 300);
    change();
    await clock.advance(10);
    change();
    await clock.advance(1000);
    assert.deepEqual(starts, [0, 300]);
  });

  it('whenIdle resolves only after the follow-up run has finished', async () => {
    const { clock, change, scheduler, starts } = setup({ minIntervalMs: 200 }, 50);
    change();
    await settle();
    change();
    let idleAfter: number | undefined;
    void scheduler.whenIdle().then(() => (idleAfter = starts.length));
    await clock.advance(100);
    assert.equal(idleAfter, undefined);
    await clock.advance(1000);
    assert.equal(idleAfter, 2);
  });

  it('whenIdle resolves at once when nothing is pending', async () => {
    const { scheduler } = setup({ minIntervalMs: 200 });
    let idle = false;
    void scheduler.whenIdle().then(() => (idle = true));
    await settle();
    assert.equal(idle, true);
  });

  it('stop lets the current run finish and starts no other', async () => {
    const { clock, change, scheduler, starts } = setup({ minIntervalMs: 0 }, 50);
    change();
    await settle();
    change(); // would cause a follow-up run
    scheduler.stop();
    let idle = false;
    void scheduler.whenIdle().then(() => (idle = true));
    await settle();
    assert.equal(idle, false); // the first run is still going
    await clock.advance(1000);
    change();
    await clock.advance(1000);
    assert.equal(idle, true);
    assert.deepEqual(starts, [0]);
  });

  it('reports a failed run and goes on', async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    let runs = 0;
    const scheduler = new RenderScheduler({ minIntervalMs: 0, clock, onError: (error) => errors.push(error) }, () => {
      runs++;
      if (runs === 1) throw new Error('thrown before any promise');
      if (runs === 2) return Promise.reject(new Error('rejected'));
      return Promise.resolve();
    });
    for (let i = 0; i < 3; i++) {
      scheduler.trigger();
      await clock.advance(10);
    }
    assert.equal(runs, 3);
    assert.deepEqual(
      errors.map((error) => (error as Error).message),
      ['thrown before any promise', 'rejected'],
    );
  });
});
