// Wall-clock time in nanoseconds that can be compared with `date +%s%N` run by a command on the
// same machine. Date.now() has only millisecond resolution and performance.timeOrigin drifts
// from the wall clock over minutes (NTP slewing), so each measurement re-anchors: it spins until
// Date.now() ticks over, which pins a millisecond boundary to a performance.now() reading within
// microseconds, then counts from there with the monotonic clock.

export interface WallClock {
  nowNs(): bigint;
}

/** Spins for up to 1 ms: call it before the timed step, not inside it. */
export function anchorWallClock(): WallClock {
  const before = Date.now();
  let tick = before;
  while (tick === before) tick = Date.now();
  const perfAtTick = performance.now();
  return {
    nowNs: () => BigInt(tick) * 1_000_000n + BigInt(Math.round((performance.now() - perfAtTick) * 1e6)),
  };
}

export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}
