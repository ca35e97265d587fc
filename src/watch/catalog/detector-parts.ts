// What the parts of one change detector share: how they read from Consul, and the detector's
// ledger and fetcher, which they move on.
import type { Logger } from '../../log/logger.ts';
import type { ConsulReader } from '../blocking-query.ts';
import type { ConcurrencyLimit } from '../concurrency-limit.ts';
import type { ServiceFetcher } from './service-fetcher.ts';
import type { ServicesWriteLedger } from './services-write-ledger.ts';

export interface DetectorParts {
  reader: ConsulReader;
  dc: string | undefined;
  /** Shared by every fetch of the watcher. */
  fetchLimit: ConcurrencyLimit;
  logger: Logger;
  /** Aborted when the detector stops: nothing is fetched or decided after it. */
  signal: AbortSignal;
  ledger: ServicesWriteLedger;
  fetcher: ServiceFetcher;
}
