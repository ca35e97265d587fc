// One GET as `curl` does it: a fresh connection, closed after the answer. (A pooled keep-alive
// connection could stay with an old Nginx worker after a reload and show stale routing.)
import { request } from 'node:http';

export interface Answer {
  status: number;
  /** The body, trimmed: the backends and the 503 page answer one line. */
  body: string;
}

export function httpGet(url: string, timeoutMs = 5_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
