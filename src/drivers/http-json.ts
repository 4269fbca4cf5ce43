/** A small JSON-over-HTTP client for the drivers, with a timeout and errors that say what failed. */
import http from 'node:http';

/** An HTTP call that answered with an error status. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }
}

/** Sends one request and parses the JSON answer; non-2xx answers throw HttpStatusError. */
export function httpJson<T>(url: string, method = 'GET', body?: unknown, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, timeout: timeoutMs, agent: false, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          const error = (json as { error?: string } | undefined)?.error ?? text.slice(0, 200);
          reject(new HttpStatusError(status, `${method} ${url}: HTTP ${status}: ${error}`));
        } else resolve(json as T);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
