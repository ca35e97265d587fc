// drcon's end of the control channel of `-upstreams live`: a PUT of the peer document to the
// control server Nginx runs on a unix socket in drcon's directory, with the secret. undici, as
// for Consul: one kept-alive connection, and a unix socket is one option.
import { Client } from 'undici';
import type { LiveLayout } from './live-layout.ts';

export type SendResult = { ok: true } | { ok: false; error: string; refused: boolean };

/** How long one PUT may take: a worker busy with traffic answers in far less. */
const requestTimeoutMs = 5_000;

export class PeerChannel {
  readonly #client: Client;
  readonly #secret: string;

  constructor(live: LiveLayout) {
    this.#client = new Client('http://drcon-live', { socketPath: live.socket, headersTimeout: requestTimeoutMs, bodyTimeout: requestTimeoutMs });
    this.#secret = live.secret;
  }

  /**
   * Sends a document. `refused`: Nginx answered and did not take it (a broken document, a wrong
   * secret); otherwise it could not be reached (not started yet, reloading, restarting).
   */
  async send(document: string): Promise<SendResult> {
    try {
      const response = await this.#client.request({
        path: '/peers',
        method: 'PUT',
        headers: { 'x-drcon-secret': this.#secret, 'content-type': 'text/plain' },
        body: document,
      });
      const text = (await response.body.text()).trim();
      if (response.statusCode === 200) return { ok: true };
      return { ok: false, error: `nginx answered ${response.statusCode}: ${text.slice(0, 200)}`, refused: true };
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      return { ok: false, error: `cannot reach nginx's control socket: ${code ?? message}`, refused: false };
    }
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
