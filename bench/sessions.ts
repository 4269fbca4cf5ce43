/**
 * Long-lived user sessions pinned to one cell, opened through the sprayer like a browser would:
 * while they live, a drain of that cell cannot end by itself, so a rollout stays in `X.drain` for
 * as long as the bench wants to roll it back from there.
 */
import type { Estate } from '../src/model';

/** Sessions held on one cell. */
export interface PinnedSessions {
  cell: string;
  /** The Cookie header of each session. */
  cookies: string[];
  /** One request per session, so none idles out; fails if a session lost its cell or its state. */
  touch(): Promise<void>;
  /** Ends one session by logging it out (the server drops it before it answers). */
  end(cookie: string): Promise<void>;
}

interface HitAnswer {
  cell?: string;
  server?: string;
  newSession?: boolean;
}

async function hit(url: string, cookie: string | undefined): Promise<{ answer: HitAnswer; setCookie: string[] }> {
  const res = await fetch(url, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(5_000) });
  const answer = (await res.json()) as HitAnswer;
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  return { answer, setCookie: res.headers.getSetCookie() };
}

/** The `name=value` of the session cookie among Set-Cookie headers. */
function sessionCookie(setCookie: readonly string[]): string | undefined {
  return setCookie.map((h) => h.split(';')[0]?.trim() ?? '').find((pair) => pair.startsWith('JSESSIONID=') && pair.length > 'JSESSIONID='.length);
}

function appUrls(estate: Estate): { hit: string; logout: string } {
  const port = estate.sprayer?.listen.port;
  const root = estate.lab?.contextRoot ?? '/user';
  if (!port) throw new Error(`estate ${estate.name} has no sprayer to open sessions through`);
  return { hit: `http://127.0.0.1:${port}${root}/hit`, logout: `http://127.0.0.1:${port}${root}/logout` };
}

/**
 * Opens sessions through the sprayer until `count` of them landed on `cell`; those that landed
 * elsewhere are logged out again, so no other cell is left holding bench sessions.
 */
export async function openPinnedSessions(estate: Estate, cell: string, count: number): Promise<PinnedSessions> {
  const urls = appUrls(estate);
  const cookies: string[] = [];
  for (let attempt = 0; cookies.length < count; attempt++) {
    if (attempt >= count * 20) throw new Error(`only ${cookies.length} of ${attempt} new sessions landed on cell ${cell}`);
    const { answer, setCookie } = await hit(urls.hit, undefined);
    const cookie = sessionCookie(setCookie);
    if (!cookie) throw new Error(`a new session through the sprayer set no JSESSIONID cookie (answer ${JSON.stringify(answer)})`);
    if (answer.cell === cell) cookies.push(cookie);
    else await hit(urls.logout, cookie);
  }
  return {
    cell,
    cookies,
    async touch() {
      for (const cookie of cookies) {
        const { answer } = await hit(urls.hit, cookie);
        if (answer.cell !== cell || answer.newSession) throw new Error(`session ${cookie} now answers from cell ${answer.cell} (new: ${answer.newSession})`);
      }
    },
    async end(cookie) {
      const { answer } = await hit(urls.logout, cookie);
      if (answer.cell !== cell) throw new Error(`the logout of ${cookie} was answered by cell ${answer.cell}, not ${cell}`);
    },
  };
}
