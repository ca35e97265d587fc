// The quiescence window ("-wait min[:max]"): render only once changes have stopped for `min`,
// but never later than `max` after the first change of a burst.
import { ConfigError } from './config-error.ts';
import { maxDurationMs, parseDuration } from './duration.ts';

export interface WaitSettings {
  minMs: number;
  maxMs: number;
}

/** "2s" → {2000, 8000} (max defaults to 4 × min, as consul-template does); "2s:10s" → {2000, 10000}. */
export function parseWait(text: string, flag = '-wait'): WaitSettings {
  const parts = text.split(':');
  if (parts.length > 2) {
    throw new ConfigError(`${flag}: invalid wait ${JSON.stringify(text)} (expected min or min:max, e.g. 2s:10s)`);
  }
  const [minText = '', maxText] = parts.map((part) => part.trim());
  const minMs = parseDuration(minText, flag);
  return waitWindow(minMs, maxText === undefined ? undefined : parseDuration(maxText, flag), text, flag);
}

/** The window for parsed bounds: max defaults to 4 × min; below min it is refused, naming `text`. */
export function waitWindow(minMs: number, maxMs: number | undefined, text: string, flag: string): WaitSettings {
  const max = maxMs ?? Math.min(minMs * 4, maxDurationMs);
  if (max < minMs) throw new ConfigError(`${flag}: invalid wait ${JSON.stringify(text)} (max is less than min)`);
  return { minMs, maxMs: max };
}
