import { CookieJar, logoutUrlFor, observeResponse, parseSessionCookie, sessionFromSetCookie, type RawResponse } from '../../src/lab/load';

function response(partial: Partial<RawResponse> & { json?: unknown }): RawResponse {
  const { json, ...rest } = partial;
  return { status: 200, headers: {}, body: json === undefined ? '' : JSON.stringify(json), latencyMs: 1, ...rest };
}

describe('CookieJar', () => {
  it('is empty until a response sets a cookie', () => {
    const jar = new CookieJar();
    expect(jar.header()).toBeUndefined();
    jar.update(['JSESSIONID=abc:v7oe1ii4; Path=/']);
    expect(jar.header()).toBe('JSESSIONID=abc:v7oe1ii4');
    expect(jar.get('JSESSIONID')).toBe('abc:v7oe1ii4');
  });

  it('replaces a cookie of the same name and keeps others', () => {
    const jar = new CookieJar();
    jar.update(['JSESSIONID=a:x; Path=/', 'lang=en']);
    jar.update('JSESSIONID=b:y; Path=/; HttpOnly');
    expect(jar.header()).toBe('JSESSIONID=b:y; lang=en');
  });

  it('deletes on Max-Age=0 or an Expires in the past', () => {
    const jar = new CookieJar();
    jar.update(['JSESSIONID=a:x', 'lang=en']);
    jar.update(['JSESSIONID=; Max-Age=0; Path=/']);
    expect(jar.get('JSESSIONID')).toBeUndefined();
    jar.update(['lang=; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    expect(jar.header()).toBeUndefined();
  });

  it('ignores malformed headers', () => {
    const jar = new CookieJar();
    jar.update(['', '=nameless', 'novalue']);
    expect(jar.header()).toBeUndefined();
  });
});

describe('session cookies', () => {
  it('splits the session ID from clone IDs, including after a fail-over', () => {
    expect(parseSessionCookie('0000A2MB4IJozU_VM8IffsMNfdR:v544d0o0')).toEqual({ sessionId: '0000A2MB4IJozU_VM8IffsMNfdR', cloneIds: ['v544d0o0'] });
    expect(parseSessionCookie('abc:v1:v2')).toEqual({ sessionId: 'abc', cloneIds: ['v1', 'v2'] });
    expect(parseSessionCookie('abc')).toEqual({ sessionId: 'abc', cloneIds: [] });
    expect(parseSessionCookie('')).toBeUndefined();
    expect(parseSessionCookie(':v1')).toBeUndefined();
  });

  it('reads the session a response sets, not one it deletes', () => {
    expect(sessionFromSetCookie(['other=1', 'JSESSIONID=s1:v1; Path=/'])).toBe('s1');
    expect(sessionFromSetCookie('JSESSIONID=; Max-Age=0')).toBeUndefined();
    expect(sessionFromSetCookie(undefined)).toBeUndefined();
  });
});

describe('observeResponse', () => {
  const body = { app: 'userHitCount', version: '1.0', server: 'ServerX1', cloneId: 'v1', cell: 'X', cluster: 'ClusterX', sessionId: 's1', newSession: false, hits: 2 };

  it('prefers the headers for version and server', () => {
    const obs = observeResponse('hit', 's1', response({ json: body, headers: { 'x-turnout-version': '1.1', 'x-turnout-server': 'ServerY1' } }));
    expect(obs).toMatchObject({ kind: 'hit', version: '1.1', server: 'ServerY1', carriedSession: 's1', responseSession: 's1', newSession: false });
    expect(obs.failure).toBeUndefined();
  });

  it('falls back to Set-Cookie for the session and marks non-2xx as failed', () => {
    const obs = observeResponse('hit', undefined, response({ status: 503, body: 'busy', headers: { 'set-cookie': ['JSESSIONID=s9:v2; Path=/'] } }));
    expect(obs).toMatchObject({ responseSession: 's9', newSession: false, failure: 'http 503' });
  });

  it('tolerates bodies that are not the app contract', () => {
    const obs = observeResponse('logout', 's1', response({ json: { version: 42, newSession: 'yes' } }));
    expect(obs.version).toBeUndefined();
    expect(obs.newSession).toBe(false);
  });
});

describe('logoutUrlFor', () => {
  it('puts logout beside the target', () => {
    expect(logoutUrlFor('http://127.0.0.1:8080/user/hit').href).toBe('http://127.0.0.1:8080/user/logout');
    expect(logoutUrlFor('http://127.0.0.1:8080/user/hit?x=1').href).toBe('http://127.0.0.1:8080/user/logout');
    expect(logoutUrlFor('https://lab.example/app/').href).toBe('https://lab.example/app/logout');
  });
});
