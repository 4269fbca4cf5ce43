/**
 * A notification receiver for tests: a real HTTP server on 127.0.0.1 that records every request
 * (raw body, headers) and answers as told: 200 at once, 500 to the first two attempts of each
 * delivery ID, or never.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the receiver answers. */
export type ReceiverBehaviour = 'ok' | 'fail-twice' | 'silent';

/** One request as received. */
export interface Received {
  deliveryId: string;
  event: string;
  signature: string | undefined;
  raw: Buffer;
  body: unknown;
  /** What the receiver answered (0 for no answer). */
  answered: number;
}

/** A running receiver. */
export interface WebhookReceiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** What a receiver does to check a signature: HMAC-SHA256 of the raw body, compared in constant time. */
export function signatureValid(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(raw).digest('hex'));
  const given = Buffer.from(header.slice('sha256='.length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Starts a receiver on a free loopback port. */
export async function startReceiver(behaviour: ReceiverBehaviour): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const deliveryId = String(req.headers['x-turnout-delivery'] ?? '');
      const earlier = received.filter((r) => r.deliveryId === deliveryId).length;
      const answered = behaviour === 'silent' ? 0 : behaviour === 'fail-twice' && earlier < 2 ? 500 : 200;
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = raw.toString('utf8');
      }
      received.push({ deliveryId, event: String(req.headers['x-turnout-event'] ?? ''), signature: req.headers['x-turnout-signature'] as string | undefined, raw, body, answered });
      if (answered) res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'boom');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
