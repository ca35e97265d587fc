// Go-style durations ("250ms", "1m30s", "1.5s", "0"), the form consul-template's flags take.
// Parsed exactly in integer nanoseconds (BigInt) so "1.1s" is 1100 ms, not 1100.0000000000002.
import { ConfigError } from './config-error.ts';

const nanosPerUnit: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * The longest duration we accept: Node's timers cannot wait longer than 2^31-1 ms and silently
 * fire after 1 ms instead, so a longer value would turn a long wait into a busy loop.
 */
export const maxDurationMs = 2 ** 31 - 1;

/** Milliseconds in `text`; throws a one-line ConfigError naming `flag` when given. */
export function parseDuration(text: string, flag?: string): number {
  const fail = (why: string): never => {
    const where = flag === undefined ? '' : `${flag}: `;
    throw new ConfigError(`${where}invalid duration ${JSON.stringify(text)} (${why})`);
  };
  const expected = 'expected e.g. 500ms, 2s, 1m';

  if (text === '0') return 0;
  if (text.startsWith('-')) fail('must not be negative');
  if (/^\+?(\d+(\.\d*)?|\.\d+)$/.test(text)) fail(`missing unit, e.g. ${text.replace(/^\+/, '')}s`);

  // Long digit strings would make the BigInt arithmetic expensive; no real duration needs them.
  if (text.length > 64) fail(expected);
  const body = text.startsWith('+') ? text.slice(1) : text;
  if (body === '') fail(expected);
  const component = /(\d*)(?:\.(\d*))?([a-zµμ]+)/y;
  let nanos = 0n;
  while (component.lastIndex < body.length) {
    const match = component.exec(body);
    if (match === null) return fail(expected);
    const [, whole = '', fraction = '', unit = ''] = match;
    const perUnit = nanosPerUnit[unit];
    if (perUnit === undefined) return fail(`unknown unit "${unit}"; ${expected}`);
    if (whole === '' && fraction === '') return fail(expected);
    nanos += BigInt(whole || '0') * perUnit;
    if (fraction !== '') nanos += (BigInt(fraction) * perUnit) / 10n ** BigInt(fraction.length);
  }
  const millis = Number(nanos) / 1e6;
  if (millis > maxDurationMs) fail('longer than the maximum of 596h');
  return millis;
}

/** The shortest Go-style text for `ms` ("60s", "250ms", "1500us"); parseDuration reads it back. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format duration ${ms}`);
  if (ms === 0) return '0s';
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  if (Number.isInteger(ms)) return `${ms}ms`;
  return `${Math.round(ms * 1000)}us`;
}
