// drcon's end of the control channel of `-upstreams live`: a PUT of the peer document to the
// control server Nginx runs on a unix socket in drcon's directory, with the secret, on one
// kept-alive connection.
//
// Node's own HTTP client, as for Consul (consul/agent-connections.ts), not undici's: undici took
// about 50 ms to load and 15 ms for its first request (it compiles its WebAssembly HTTP parser
// then), and the first request is the first membership change after a start, the one whose
// latency to traffic matters. Loaded with require for the reason given there.
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type { LiveLayout } from './live-layout.ts';

const require = createRequire(import.meta.url);

export type SendResult = { ok: true } | { ok: false; error: string; refused: boolean };

/** How long one PUT may take: a worker busy with traffic answers in far less. */
const requestTimeoutMs = 5_000;
/**
 * An idle connection is closed after this, well before Nginx would close it (75 s), so a send
 * never goes out on a connection Nginx is closing; and a socket moved away is noticed.
 */
const idleMs = 4_000;

export class PeerChannel {
  readonly #http = require('node:http') as typeof Http;
  readonly #agent = new this.#http.Agent({ keepAlive: true, maxSockets: 1, timeout: idleMs });
  readonly #socket: string;
  readonly #secret: string;

  constructor(live: LiveLayout) {
    this.#socket = live.socket;
    this.#secret = live.secret;
  }

  /**
   * Sends a document. `refused`: Nginx answered and did not take it (a broken document, a wrong
   * secret); otherwise it could not be reached (not started yet, reloading, restarting).
   */
  async send(document: string): Promise<SendResult> {
    try {
      const { status, text } = await this.#put(document);
      if (status === 200) return { ok: true };
      return { ok: false, error: `nginx answered ${status}: ${text.trim().slice(0, 200)}`, refused: true };
    } catch (error) {
      const { code, message, name } = error as NodeJS.ErrnoException;
      const why = name === 'AbortError' ? `no answer within ${requestTimeoutMs / 1000} s` : (code ?? message);
      return { ok: false, error: `cannot reach nginx's control socket: ${why}`, refused: false };
    }
  }

  #put(document: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const request = this.#http.request({
        agent: this.#agent,
        socketPath: this.#socket,
        method: 'PUT',
        path: '/peers',
        headers: { 'x-drcon-secret': this.#secret, 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(document)) },
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      request.once('error', reject);
      request.once('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', reject);
        response.once('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      request.end(document);
    });
  }

  close(): Promise<void> {
    this.#agent.destroy();
    return Promise.resolve();
  }
}
