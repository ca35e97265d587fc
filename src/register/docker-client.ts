// The Docker Engine API, read-only: list running containers, inspect one, follow /events. Over a
// unix socket (or plain TCP) with undici: a few connections for requests, one for the stream.
// Pool and request() from their own files: the index of undici loads every part it has.
import Pool from 'undici/lib/dispatcher/pool.js';
import request from 'undici/lib/api/api-request.js';
import type { DockerHost } from './docker-host.ts';
import type { ContainerInspect, ContainerSummary, EngineEvent } from './docker-types.ts';

const requestTimeoutMs = 10_000;
/**
 * Requests at once: each container's event is inspected as it comes, so a burst of starts is
 * inspected in parallel instead of one after another on a single connection.
 */
const dockerRequestConnections = 8;

export class DockerError extends Error {
  override name = 'DockerError';
}

export class DockerClient {
  readonly #host: DockerHost;
  readonly #requests: Pool;
  readonly #stream: Pool;

  constructor(host: DockerHost) {
    this.#host = host;
    const connect = (connections: number, pipelining: number) => host.kind === 'unix'
      ? new Pool('http://docker', { socketPath: host.socketPath, connections, pipelining })
      : new Pool(host.origin, { connections, pipelining });
    // Beyond these connections undici queues requests: a host with many containers listed at
    // once does not flood the engine.
    this.#requests = connect(dockerRequestConnections, 1);
    // The event stream holds its connection for as long as it runs.
    this.#stream = connect(1, 0);
  }

  get address(): string {
    return this.#host.text;
  }

  /** Ids of the running containers. */
  async runningContainers(): Promise<string[]> {
    const list = (await this.#getJson('/containers/json')) as ContainerSummary[] | undefined;
    if (!Array.isArray(list)) throw new DockerError(`GET /containers/json at ${this.address}: expected a list`);
    return list.map((row) => row.Id).filter((id): id is string => typeof id === 'string');
  }

  /** The container, or undefined when it is gone. */
  async inspect(id: string): Promise<ContainerInspect | undefined> {
    return (await this.#getJson(`/containers/${encodeURIComponent(id)}/json`)) as ContainerInspect | undefined;
  }

  /**
   * The container events from now on, until `signal` aborts or the engine ends the stream (then
   * the iteration ends; a failure to connect throws). Resolves once the engine has answered, so
   * that what is listed afterwards cannot miss an event.
   */
  async events(signal: AbortSignal): Promise<AsyncIterable<EngineEvent>> {
    // Container events only. Not filtered by action: Podman's Docker-compatible API filters by its
    // own names and drops `die` (its "died"); the follower ignores the actions it does not need.
    const filters = JSON.stringify({ type: ['container'] });
    let response;
    try {
      response = await request.call(this.#stream, {
        method: 'GET', path: `/events?filters=${encodeURIComponent(filters)}`, signal,
        headersTimeout: requestTimeoutMs, bodyTimeout: 0,
      });
    } catch (error) {
      throw this.#failure('GET /events', error);
    }
    if (response.statusCode !== 200) {
      const text = await response.body.text();
      throw new DockerError(`GET /events at ${this.address}: ${response.statusCode} ${text.trim().slice(0, 200)}`);
    }
    const body = response.body;
    const address = this.address;
    return {
      async *[Symbol.asyncIterator]() {
        let pending = '';
        try {
          for await (const chunk of body) {
            pending += chunk.toString();
            let newline: number;
            while ((newline = pending.indexOf('\n')) >= 0) {
              const line = pending.slice(0, newline).trim();
              pending = pending.slice(newline + 1);
              if (line === '') continue;
              try {
                yield JSON.parse(line) as EngineEvent;
              } catch {
                throw new DockerError(`GET /events at ${address}: not JSON: ${line.slice(0, 200)}`);
              }
            }
          }
        } catch (error) {
          if (signal.aborted || error instanceof DockerError) throw error;
          throw new DockerError(`GET /events at ${address}: the stream broke: ${(error as Error).message}`);
        }
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.#requests.destroy(), this.#stream.destroy()]);
  }

  async #getJson(path: string): Promise<unknown> {
    let status: number;
    let text: string;
    try {
      const response = await request.call(this.#requests, { method: 'GET', path, headersTimeout: requestTimeoutMs, bodyTimeout: requestTimeoutMs });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw this.#failure(`GET ${path}`, error);
    }
    if (status === 404) return undefined;
    if (status !== 200) throw new DockerError(`GET ${path} at ${this.address}: ${status} ${text.trim().slice(0, 200)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new DockerError(`GET ${path} at ${this.address}: not JSON`);
    }
  }

  #failure(what: string, error: unknown): DockerError {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such socket' : code === 'ECONNREFUSED' ? 'connection refused' : (error as Error).message || code || String(error);
    return new DockerError(`${what}: cannot reach the Docker engine at ${this.address}: ${reason}`);
  }
}
