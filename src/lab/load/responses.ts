/**
 * Cookies and responses: what the load generator reads off the wire, independent of how the
 * request travelled.
 */
import type http from 'node:http';
import { z } from 'zod';
import type { Observation } from './tally';

/** The name of the session cookie. */
export const sessionCookieName = 'JSESSIONID';

/**
 * A per-user cookie jar. It is deliberately small: every request of a user goes to one origin,
 * so it keeps name=value pairs and honours only deletion (Max-Age <= 0 or an Expires in the past).
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Applies the Set-Cookie headers of a response. */
  update(setCookie: readonly string[] | string | undefined, now = Date.now()): void {
    const headers = setCookie === undefined ? [] : typeof setCookie === 'string' ? [setCookie] : setCookie;
    for (const header of headers) this.apply(header, now);
  }

  /** The Cookie header to send, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies.entries()].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The value of one cookie. */
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private apply(header: string, now: number): void {
    const [pair = '', ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (name === '') return;
    if (isExpired(attributes, now)) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

function isExpired(attributes: readonly string[], now: number): boolean {
  for (const attribute of attributes) {
    const eq = attribute.indexOf('=');
    const key = (eq < 0 ? attribute : attribute.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : attribute.slice(eq + 1).trim();
    if (key === 'max-age' && /^-?\d+$/.test(value)) return Number(value) <= 0;
    if (key === 'expires') {
      const at = Date.parse(value);
      if (!Number.isNaN(at) && at <= now) return true;
    }
  }
  return false;
}

/**
 * Splits a session cookie value, `<sessionId>:<cloneId>[:<cloneId>...]`. After a fail-over the
 * WebSphere plug-in appends clone IDs, so only the part before the first `:` names the session.
 */
export function parseSessionCookie(value: string | undefined): { sessionId: string; cloneIds: string[] } | undefined {
  if (value === undefined || value === '') return undefined;
  const [sessionId = '', ...cloneIds] = value.split(':');
  return sessionId === '' ? undefined : { sessionId, cloneIds };
}

/** The session ID set by a response's Set-Cookie headers, if any (a deletion is not a session). */
export function sessionFromSetCookie(setCookie: readonly string[] | string | undefined): string | undefined {
  const jar = new CookieJar();
  jar.update(setCookie);
  return parseSessionCookie(jar.get(sessionCookieName))?.sessionId;
}

/** The parts of a lab app response the load generator reads; anything else is ignored. */
export const appResponseSchema = z.looseObject({
  version: z.string().optional().catch(undefined),
  server: z.string().optional().catch(undefined),
  sessionId: z.string().optional().catch(undefined),
  newSession: z.boolean().optional().catch(undefined),
});
/** A lab app response, as far as the load generator cares. */
export type AppResponse = z.infer<typeof appResponseSchema>;

/** A response as it came off the wire. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  latencyMs: number;
}

/** Turns a response into an {@link Observation}. */
export function observeResponse(kind: Observation['kind'], carriedSession: string | undefined, res: RawResponse): Observation {
  const body = parseBody(res.body);
  const version = headerValue(res.headers['x-turnout-version']) ?? body.version;
  const server = headerValue(res.headers['x-turnout-server']) ?? body.server;
  const cookieSession = sessionFromSetCookie(res.headers['set-cookie']);
  const obs: Observation = {
    kind,
    latencyMs: res.latencyMs,
    newSession: body.newSession === true,
    ...(version !== undefined ? { version } : {}),
    ...(server !== undefined ? { server } : {}),
    ...(carriedSession !== undefined ? { carriedSession } : {}),
  };
  const responseSession = body.sessionId ?? cookieSession;
  if (responseSession !== undefined) obs.responseSession = responseSession;
  if (res.status < 200 || res.status > 299) obs.failure = `http ${res.status}`;
  return obs;
}

function parseBody(text: string): AppResponse {
  try {
    const parsed = appResponseSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** The logout URL that goes with a target: `logout` beside the target's last path segment. */
export function logoutUrlFor(target: string): URL {
  const url = new URL('logout', target);
  url.search = '';
  return url;
}
