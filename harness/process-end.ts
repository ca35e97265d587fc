// The end of a child process whose output a test reads.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Resolves to the child's exit code once its stdout and stderr have been read to their end.
 * 'exit' may come before the last chunk of output, and 'close' never comes while a grandchild
 * left behind still holds the pipes, so 'close' is awaited for a bounded grace only.
 */
export async function exitWithOutput(child: ChildProcess, graceMs = 2_000): Promise<number | null> {
  const closed = once(child, 'close');
  const [code] = (await once(child, 'exit')) as [number | null];
  await Promise.race([closed, sleep(graceMs)]);
  return code;
}
