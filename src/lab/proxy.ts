/**
 * What the lab's proxies (the web tier's plug-in, the Sun ONE load balancer) share: the headers
 * they forward and how they stream an answer back.
 */
import type * as http from 'node:http';

/**
 * The client's headers as they go to the server: Host untouched (the app servers check it against
 * their virtual host), hop-by-hop ones dropped, the length of the buffered body.
 */
export function forwardHeaders(req: http.IncomingMessage, body: Buffer): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = { ...req.headers };
  delete headers.connection;
  delete headers['keep-alive'];
  delete headers['transfer-encoding'];
  if (body.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = body.length;
  return headers;
}

/** Streams the server's answer to the client; `done` once it ended or broke (a broken one drops the client's connection). */
export function streamAnswer(answer: http.IncomingMessage, res: http.ServerResponse, done: () => void): void {
  res.writeHead(answer.statusCode ?? 502, answer.headers);
  answer.pipe(res);
  answer.on('end', done);
  answer.on('error', () => {
    res.destroy();
    done();
  });
}
