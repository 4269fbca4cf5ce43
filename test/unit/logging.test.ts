import { createLogger, isSecretKey, redactedValue, redactSecrets } from '../../src/logging';

function captured(): { lines: Record<string, unknown>[]; destination: { write(line: string): void } } {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

const pem = '-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----';

describe('redaction', () => {
  it.each(['password', 'dbPassword', 'apiKey', 'api_key', 'TEMPORAL_API_KEY', 'clientSecret', 'token', 'accessToken', 'privateKey', 'key', 'authorization', 'passphrase'])(
    'treats %s as a secret',
    (key) => expect(isSecretKey(key)).toBe(true),
  );

  it.each(['address', 'namespace', 'taskQueue', 'workflowId', 'sessions', 'cloneId', 'keyword'])('leaves %s alone', (key) => expect(isSecretKey(key)).toBe(false));

  it('redacts nested secrets and PEM private keys wherever they are', () => {
    expect(
      redactSecrets({
        temporal: { address: 'a:1', apiKey: 'k', tls: { clientCertPair: { crt: 'cert', key: 'k2' } } },
        servers: [{ name: 's1', adminPassword: 'p' }],
        note: pem,
      }),
    ).toEqual({
      temporal: { address: 'a:1', apiKey: redactedValue, tls: { clientCertPair: { crt: 'cert', key: redactedValue } } },
      servers: [{ name: 's1', adminPassword: redactedValue }],
      note: redactedValue,
    });
  });

  it('survives cycles', () => {
    const loop: Record<string, unknown> = { token: 't' };
    loop.self = loop;
    expect(redactSecrets(loop)).toMatchObject({ token: redactedValue });
  });
});

describe('createLogger', () => {
  it('writes JSON lines at the configured level with secrets redacted', () => {
    const { lines, destination } = captured();
    const logger = createLogger({ logLevel: 'info' }, destination);
    logger.debug('hidden');
    logger.info({ config: { apiKey: 'k-123', address: '127.0.0.1:7233' }, password: 'p' }, 'connected');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'connected', name: 'turnout', level: 30, password: redactedValue, config: { apiKey: redactedValue, address: '127.0.0.1:7233' } });
    expect(JSON.stringify(lines)).not.toContain('k-123');
  });

  it('redacts child bindings and error fields', () => {
    const { lines, destination } = captured();
    const child = createLogger({ logLevel: 'info' }, destination).child({ sessionToken: 'tok' });
    const err = Object.assign(new Error('boom'), { secret: 's3' });
    child.error({ err }, 'failed');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('tok');
    expect(text).not.toContain('s3');
    expect(lines[0]).toMatchObject({ msg: 'failed', err: { message: 'boom' } });
  });
});
