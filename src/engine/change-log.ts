// Logs each change of watched data as what changed (see describeChange): at info for changes, at
// debug for a dependency's first data (thousands of watches starting would otherwise flood the log).
import type { Dependency } from '../dependency/dependency.ts';
import type { Logger } from '../log/logger.ts';
import type { Watcher } from '../watch/watcher.ts';
import { describeChange } from '../status/describe-change.ts';

/** Subscribes to the watcher; returns the unsubscribe function. */
export function logDataChanges(watcher: Watcher, logger: Logger): () => void {
  // The last data seen per dependency id. The watcher passes no "before", so it is kept here;
  // the values are the watcher's own objects, not copies.
  const seen = new Map<string, { dependency: Dependency; value: unknown }>();
  return watcher.onChange((dependency) => {
    const data = watcher.get(dependency);
    if (data === undefined) return;
    const before = seen.get(dependency.id);
    seen.set(dependency.id, { dependency, value: data.value });
    if (before === undefined) logger.debug(describeChange(dependency.id, undefined, data.value));
    else logger.info(describeChange(dependency.id, before.value, data.value));
    if (seen.size > watcher.size) forgetStopped(seen, watcher);
  });
}

/** Drops what the watcher no longer watches: a watch started again later reports first data. */
function forgetStopped(seen: Map<string, { dependency: Dependency }>, watcher: Watcher): void {
  for (const [id, entry] of seen) if (watcher.get(entry.dependency) === undefined) seen.delete(id);
}
