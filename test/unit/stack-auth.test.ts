import { createPublicKey, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { refusalAsCliError } from '../../src/cli/temporal-client';
import { connectionOptions } from '../../src/temporal/connection';
import { generateSigningKey, jwksFor, permissionsFor, signingKeyFromPem, signToken } from '../../src/stack/jwt';
import { freeSmallPorts } from '../../src/stack/ports';
import { serverArgs } from '../../src/stack/stack';
import { tempDir } from '../support/temp-dir';

describe('stack tokens', () => {
  const { key, pem } = generateSigningKey();

  it('signs RS256 tokens the JWKS key verifies, with the default claim mapper permissions', () => {
    const token = signToken(key, { subject: 'alice', role: 'writer', namespace: 'default', now: 1_000_000 });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const jwk = jwksFor(key).keys[0]!;
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT', kid: jwk.kid });
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(signature, 'base64url'))).toBe(true);
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({ sub: 'alice', iat: 1000, permissions: ['default:write'] });
  });

  it('keeps its key id across a reload of the kept PEM', () => {
    expect(signingKeyFromPem(pem).kid).toBe(key.kid);
  });

  it('maps roles to permissions: a reader reads, a writer writes, the admin has the system', () => {
    expect(permissionsFor('reader', 'ns')).toEqual(['ns:read']);
    expect(permissionsFor('writer', 'ns')).toEqual(['ns:write']);
    expect(permissionsFor('admin', 'ns')).toEqual(['temporal-system:admin', 'ns:admin']);
  });
});

describe('tokens in the configuration', () => {
  const dir = tempDir('token');
  const file = path.join(dir, 'writer.jwt');
  writeFileSync(file, 'tok.en.value\n');

  it('reads TURNOUT_API_KEY_FILE, trimmed', () => {
    expect(loadConfig({ TURNOUT_API_KEY_FILE: file }).temporal.apiKey).toBe('tok.en.value');
    expect(loadConfig({ TURNOUT_API_KEY: 'inline' }).temporal.apiKey).toBe('inline');
  });

  it('refuses two token settings at once, naming them', () => {
    expect(() => loadConfig({ TURNOUT_API_KEY: 'a', TEMPORAL_API_KEY_FILE: file })).toThrow(/set only one of TURNOUT_API_KEY, TEMPORAL_API_KEY_FILE/);
  });

  it('sends a token in clear text to loopback only, when TEMPORAL_TLS=false says so', () => {
    const local = loadConfig({ TURNOUT_API_KEY: 'a', TEMPORAL_TLS: 'false', TEMPORAL_ADDRESS: '127.0.0.1:7233' });
    expect(connectionOptions(local.temporal)).toEqual({ address: '127.0.0.1:7233', tls: false, apiKey: 'a' });
    const err = (() => {
      try {
        loadConfig({ TURNOUT_API_KEY: 'a', TEMPORAL_TLS: 'false', TEMPORAL_ADDRESS: 'temporal.example.com:7233' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('TEMPORAL_TLS');
    // Without TEMPORAL_TLS, an API key keeps the SDK's TLS.
    expect(connectionOptions(loadConfig({ TURNOUT_API_KEY: 'a', TEMPORAL_ADDRESS: 'temporal.example.com:7233' }).temporal)).toEqual({ address: 'temporal.example.com:7233', apiKey: 'a' });
  });
});

describe('refusals by the server authorizer', () => {
  const denied = Object.assign(new Error('Request unauthorized.'), { code: 7 });
  const wrapped = Object.assign(new Error('Failed to connect'), { cause: denied });

  it('says one line with exit 3: no token, a token not accepted, too few permissions', () => {
    const none = refusalAsCliError(wrapped, loadConfig({}));
    expect({ code: none?.exitCode, message: none?.message }).toEqual({ code: 3, message: expect.stringMatching(/refused the request: it needs a token\. Set TURNOUT_API_KEY/) });
    const reader = refusalAsCliError(denied, loadConfig({ TURNOUT_API_KEY: 'r' }));
    expect(reader?.message).toMatch(/refused the request with this token/);
    const bad = refusalAsCliError(Object.assign(new Error('x'), { code: 16 }), loadConfig({ TURNOUT_API_KEY: 'r' }));
    expect(bad?.message).toMatch(/did not accept the token/);
    for (const m of [none, reader, bad]) expect(m?.message.split('\n')).toHaveLength(1);
  });

  it('leaves other errors alone', () => {
    expect(refusalAsCliError(Object.assign(new Error('unavailable'), { code: 14 }), loadConfig({}))).toBeUndefined();
    expect(refusalAsCliError(new Error('plain'), loadConfig({}))).toBeUndefined();
  });
});

describe('the stack server', () => {
  it('starts every service in one process, the internal frontend included', () => {
    const args = serverArgs('/s/temporal');
    expect(args.slice(0, 7)).toEqual(['--root', '/s/temporal', '--config', 'config', '--env', 'turnout', 'start']);
    expect(args.filter((a, i) => args[i - 1] === '--service')).toEqual(['frontend', 'internal-frontend', 'history', 'matching', 'worker']);
  });

  it('chooses membership ports that fit PostgreSQL smallint', async () => {
    const ports = await freeSmallPorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(p).toBeLessThan(32768);
  });
});
