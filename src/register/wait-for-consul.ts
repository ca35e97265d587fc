// Registrator's -retry-attempts and -retry-interval: how long to wait for the Consul agent at
// start. Once running, a lost agent is retried for ever (see the reconciler).
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsulClient } from '../consul/client.ts';
import type { Logger } from '../log/logger.ts';

export interface WaitForConsulOptions {
  /** -1: for ever. */
  retryAttempts: number;
  retryIntervalMs: number;
  logger: Logger;
}

/** True once the agent answers; false (after an error line) when the attempts ran out or `signal` aborted. */
export async function waitForConsul(consul: ConsulClient, options: WaitForConsulOptions, signal: AbortSignal): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await consul.get('/v1/agent/services', {});
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      const message = (error as Error).message;
      if (options.retryAttempts >= 0 && attempt >= options.retryAttempts) {
        options.logger.error(`${message}; giving up after ${attempt + 1} attempt${attempt === 0 ? '' : 's'} (-retry-attempts ${options.retryAttempts})`);
        return false;
      }
      if (attempt === 0) options.logger.warn(`${message}; retrying every ${options.retryIntervalMs} ms`);
      await sleep(options.retryIntervalMs, undefined, { signal }).catch(() => {});
    }
  }
}
