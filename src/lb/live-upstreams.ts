// `drcon lb -upstreams live`: after each complete render, the members of the upstreams the
// render declared (`livePeers`) go to Nginx without a reload. Each new set of lists is first
// written to live/peers.txt, which Nginx's master loads whenever it starts or reloads, and then
// sent to the running workers over the control channel. So a worker never serves without lists,
// whichever comes first: an Nginx that starts (or restarts) after the write loads them from the
// file, one that runs gets them sent, and a reload in between finds them in the file.
import type { Logger } from '../log/logger.ts';
import type { LiveUpstream, LiveUpstreamSink, LivePublishResult } from '../runner/runner.ts';
import { writeFileAtomic } from '../output/atomic-write.ts';
import type { LiveLayout } from './live-layout.ts';
import { PeerChannel, type SendResult } from './peer-channel.ts';
import { peerDocument, peerLists, type PeerList } from './peer-lists.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LiveUpstreamsOptions {
  live: LiveLayout;
  /** Whether Nginx runs: before it does, the file is all it needs. */
  nginxRunning: () => boolean;
  logger: Logger;
}

/** While Nginx starts or restarts its socket may not be there yet: how long to keep trying. */
const deliveryWindowMs = 3_000;
const retryEveryMs = 20;
/** After lists that did not get through, the next try, apart from the runner's passes. */
const retryLaterMs = 1_000;

export class LiveUpstreams implements LiveUpstreamSink {
  readonly #options: LiveUpstreamsOptions;
  readonly #channel: PeerChannel;
  /** The lists last written and sent, by upstream. */
  #lists = new Map<string, PeerList>();
  /** Their document without its generation line, to tell a change. */
  #body: string | undefined;
  #generation = 0;
  /** Whether the running workers have the last lists (false after a failed send). */
  #delivered = true;
  /** The last document written, which a later try sends. */
  #latest = '';
  #retry: NodeJS.Timeout | undefined;
  /** Sends go one after the other: a later try never overtakes the lists of a new render. */
  #sending: Promise<unknown> = Promise.resolve();
  readonly #reported = new Set<string>();
  #stopping = false;

  constructor(options: LiveUpstreamsOptions) {
    this.#options = options;
    this.#channel = new PeerChannel(options.live);
  }

  async publish(upstreams: readonly LiveUpstream[], structureChanged: boolean): Promise<LivePublishResult> {
    const { logger } = this.#options;
    const lists = peerLists(upstreams, (message) => this.#reportOnce(message));
    // Until a new structure has passed its check and been reloaded, the running workers still
    // serve the upstreams it drops: their lists stay until a render whose structure is in place.
    const kept = structureChanged ? [...this.#lists.values()].filter((list) => !lists.some((other) => other.upstream === list.upstream)) : [];
    const all = [...lists, ...kept];
    const body = peerDocument(0, all);
    if (body === this.#body && this.#delivered) return 'unchanged';
    // Newer than any earlier run's (drcon_live.lua refuses an older generation).
    this.#generation = Math.max(this.#generation + 1, Date.now());
    const document = peerDocument(this.#generation, all);
    // Not flushed to disk: drcon writes the lists again at every start, and a flush here could
    // wait on other writes to the disk, between a change and the traffic.
    writeFileAtomic(this.#options.live.peersFile, document, { mode: 0o600, durable: false });
    this.#lists = new Map(all.map((list) => [list.upstream, list]));
    this.#body = body;
    this.#latest = document;
    if (!this.#options.nginxRunning()) return 'written';
    const result = await this.#send(document);
    this.#delivered = result.ok;
    if (result.ok) {
      logger.debug('live peer lists sent to nginx', { generation: this.#generation, upstreams: all.length });
      return 'sent';
    }
    // Nginx unreachable (not refusing): the lists are tried again without waiting for a change.
    if (!result.refused) this.#retryLater();
    logger.error(`live peer lists not sent: ${result.error}; nginx keeps the previous ones${result.refused ? '' : ', trying again'}`, { generation: this.#generation });
    return 'failed';
  }

  #retryLater(): void {
    if (this.#stopping || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => void this.#retryNow(), retryLaterMs);
    this.#retry.unref();
  }

  async #retryNow(): Promise<void> {
    this.#retry = undefined;
    if (this.#delivered || this.#stopping || !this.#options.nginxRunning()) return;
    const document = this.#latest;
    const result = await this.#send(document);
    if (document !== this.#latest) return; // a new render's lists went meanwhile
    this.#delivered = result.ok;
    if (result.ok) this.#options.logger.info('live peer lists sent on a later try', { generation: this.#generation });
    else if (!result.refused) this.#retryLater();
  }

  #send(document: string): Promise<SendResult> {
    const sent = this.#sending.then(() => this.#deliver(document));
    this.#sending = sent;
    return sent;
  }

  async #deliver(document: string): Promise<SendResult> {
    const deadline = Date.now() + deliveryWindowMs;
    for (;;) {
      const result = await this.#channel.send(document);
      if (result.ok || result.refused || this.#stopping || !this.#options.nginxRunning() || Date.now() >= deadline) return result;
      await sleep(retryEveryMs);
    }
  }

  #reportOnce(message: string): void {
    if (this.#reported.has(message)) return;
    this.#reported.add(message);
    this.#options.logger.warn(message);
  }

  async close(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#retry);
    await this.#sending;
    await this.#channel.close();
  }
}
