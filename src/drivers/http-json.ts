/** A small JSON-over-HTTP client for the drivers and the lab, with a timeout and errors that say what failed. */
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

/** The answer of a small JSON HTTP call. */
export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
}

/** Sends one JSON request (no keep-alive) and parses the JSON answer, whatever its status. */
export function requestJson<T = unknown>(url: string, method = 'GET', body?: unknown, timeoutMs = 10_000): Promise<JsonResponse<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, agent: false, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as T });
        } catch {
          reject(new Error(`${method} ${url}: answer is not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Sends one request and resolves to the JSON answer; non-2xx answers throw HttpStatusError. */
export async function httpJson<T>(url: string, method = 'GET', body?: unknown, timeoutMs = 30_000): Promise<T> {
  const res = await requestJson<T>(url, method, body, timeoutMs);
  if (res.status >= 200 && res.status < 300) return res.body;
  const error = (res.body as { error?: string } | undefined)?.error ?? JSON.stringify(res.body)?.slice(0, 200);
  throw new HttpStatusError(res.status, `${method} ${url}: HTTP ${res.status}: ${error}`);
}
