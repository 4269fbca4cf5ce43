import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, '/srv/turnout');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to the embedded dev server', () => {
    expect(loadConfig({ XDG_STATE_HOME: '/var/lib/me' }, '/srv/turnout')).toEqual({
      temporal: { address: '127.0.0.1:7233', namespace: 'default', tls: undefined, apiKey: undefined },
      taskQueue: 'turnout',
      estatesDir: '/srv/turnout/estates',
      blobsDir: '/var/lib/me/turnout/blobs',
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        TEMPORAL_ADDRESS: 'temporal.example.com:7233',
        TEMPORAL_NAMESPACE: 'rollouts.prod',
        TURNOUT_TASK_QUEUE: 'turnout-prod',
        TURNOUT_ESTATES: 'conf/estates',
        TURNOUT_BLOBS: '/shared/turnout-blobs',
        LOG_LEVEL: 'DEBUG',
        TEMPORAL_TLS_CERT: '/etc/turnout/client.pem',
        TEMPORAL_TLS_KEY: '/etc/turnout/client.key',
        TEMPORAL_TLS_CA: '/etc/turnout/ca.pem',
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
        TEMPORAL_API_KEY: 'k-123',
      },
      '/srv/turnout',
    );
    expect(config).toEqual({
      temporal: {
        address: 'temporal.example.com:7233',
        namespace: 'rollouts.prod',
        tls: { certPath: '/etc/turnout/client.pem', keyPath: '/etc/turnout/client.key', caPath: '/etc/turnout/ca.pem', serverName: 'temporal.internal' },
        apiKey: 'k-123',
      },
      taskQueue: 'turnout-prod',
      estatesDir: '/srv/turnout/conf/estates',
      blobsDir: '/shared/turnout-blobs',
      logLevel: 'debug',
    });
  });

  it('turns TLS on with TEMPORAL_TLS alone (server TLS with system CAs)', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({});
  });

  it.each([
    ['TEMPORAL_ADDRESS', 'localhost'],
    ['TEMPORAL_ADDRESS', '127.0.0.1:99999'],
    ['TEMPORAL_NAMESPACE', 'has spaces'],
    ['LOG_LEVEL', 'verbose'],
    ['TEMPORAL_TLS', 'maybe'],
    ['TURNOUT_TASK_QUEUE', '   '],
  ])('names %s when its value (%j) is bad', (variable, value) => {
    const err = configError({ [variable]: value });
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('names the missing half of a client certificate pair', () => {
    expect(configError({ TEMPORAL_TLS_CERT: '/c.pem' }).variable).toBe('TEMPORAL_TLS_KEY');
    expect(configError({ TEMPORAL_TLS_KEY: '/c.key' }).variable).toBe('TEMPORAL_TLS_CERT');
  });

  it('reads the API key from a file, and names the file variable when it cannot', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'turnout-config-'));
    try {
      writeFileSync(path.join(dir, 'key'), 'secret-key\n');
      expect(loadConfig({ TEMPORAL_API_KEY_FILE: path.join(dir, 'key') }).temporal.apiKey).toBe('secret-key');
      expect(configError({ TEMPORAL_API_KEY_FILE: path.join(dir, 'missing') }).variable).toBe('TEMPORAL_API_KEY_FILE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never puts a secret in an error message', () => {
    const err = configError({ TEMPORAL_API_KEY: 'k-123', TEMPORAL_API_KEY_FILE: '/k' });
    expect(err.message).not.toContain('k-123');
  });
});
