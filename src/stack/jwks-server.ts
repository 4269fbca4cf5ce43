/**
 * Serves the stack's JWKS document on 127.0.0.1, where the Temporal server's JWT key provider
 * fetches it (it reads keys over HTTP only). Read-only: one document, GET only.
 */
import http from 'node:http';

/** A running JWKS endpoint. */
export interface JwksServer {
  /** `http://127.0.0.1:<port>/.well-known/jwks.json`. */
  url: string;
  close(): Promise<void>;
}

/** The path the document is served at. */
export const jwksPath = '/.well-known/jwks.json';

/** Serves `jwks` on `port` (0: any free port). */
export async function startJwksServer(jwks: unknown, port = 0): Promise<JwksServer> {
  const body = JSON.stringify(jwks);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== jwksPath) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${bound}${jwksPath}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
