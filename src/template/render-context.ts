// The record of one render: the data helpers read (through the caller's DataSource), which of it
// was not there yet, and which keys the output waits for. Helpers reach it through Handlebars'
// `data` (`@drcon`), so two renders never share state.
import type { Dependency } from '../dependency/dependency.ts';
import type { BlockMemo } from './block-memo.ts';

export interface DataSource {
  /** The parsed value of a dependency, or undefined when it has not been fetched yet. */
  get(dependency: Dependency): { value: unknown } | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Something a render asks its caller to log, at the level it names. */
export interface RenderNote {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/**
 * An upstream whose members drcon hands to Nginx itself (`livePeers`, for `drcon lb -upstreams
 * live`): the output names the upstream, the members stay out of it.
 */
export interface LiveUpstream {
  /** The upstream's name in the output, an Nginx identifier. */
  readonly upstream: string;
  /** The service it serves, named in the 503 when it has no member. */
  readonly service: string;
  /** The instances, as the `service` helper gave them. */
  readonly instances: readonly unknown[];
}

export class RenderContext {
  readonly env: Environment;
  readonly #source: DataSource;
  readonly #used = new Map<string, Dependency>();
  readonly #missing = new Map<string, Dependency>();
  readonly #waitingForKeys = new Set<string>();
  readonly #messages: RenderNote[] = [];
  readonly #liveUpstreams = new Map<string, LiveUpstream>();

  /** The outputs of list-only #each blocks kept by this template's renders (see block-memo.ts). */
  readonly blocks: BlockMemo | undefined;

  constructor(source: DataSource, env: Environment, blocks?: BlockMemo) {
    this.#source = source;
    this.env = env;
    this.blocks = blocks;
  }

  /**
   * The dependency's data; when it has none yet, records it as missing and returns `empty`, so the
   * render goes on and discovers what else it needs.
   */
  read<T>(dependency: Dependency<T>, empty: T): T {
    this.#used.set(dependency.id, dependency);
    const data = this.#source.get(dependency);
    if (data === undefined) {
      this.#missing.set(dependency.id, dependency);
      return empty;
    }
    // The source holds what this same kind of dependency parsed, so the shape is T.
    return data.value as T;
  }

  /** A key the template needs does not exist: nothing is written until it does. */
  waitForKey(key: string): void {
    this.#waitingForKeys.add(key);
  }

  /** Something the caller should log (the `log` helper, a route given by two services). */
  note(message: string, level: RenderNote['level'] = 'info'): void {
    if (!this.#messages.some((note) => note.message === message)) this.#messages.push({ level, message });
  }

  /** An upstream's members go to Nginx apart from the output; a second one of the same name wins. */
  liveUpstream(upstream: LiveUpstream): void {
    this.#liveUpstreams.set(upstream.upstream, upstream);
  }

  get liveUpstreams(): LiveUpstream[] {
    return [...this.#liveUpstreams.values()];
  }

  /** Every dependency the render asked for, with or without data. */
  get used(): Dependency[] {
    return [...this.#used.values()];
  }

  /** The dependencies among `used` that had no data yet. */
  get missing(): Dependency[] {
    return [...this.#missing.values()];
  }

  get waitingForKeys(): string[] {
    return [...this.#waitingForKeys];
  }

  get messages(): RenderNote[] {
    return [...this.#messages];
  }
}
