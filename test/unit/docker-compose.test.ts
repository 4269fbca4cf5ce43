import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { serverServices } from '../../src/stack/stack';

// No Docker engine runs here, so the file is checked for what it must say, not run. The same
// template and setup script run natively in test/production (src/stack/stack.ts).
const root = path.resolve(__dirname, '..', '..');
// Compose resolves YAML merge keys (`<<: *postgres-env`); so must the parse.
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });

describe('docker-compose.yml', () => {
  it('names PostgreSQL, the schema setup, the Temporal server, its namespace setup, the Temporal UI and the turnout worker', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgresql', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-ui', 'turnout-worker']));
  });

  it('runs the plain server image (not auto-setup) on the template the native stack uses, with every service the stack starts', () => {
    const temporal = compose.services.temporal;
    expect(temporal.image).toBe('temporalio/server:1.29.1');
    expect(temporal.volumes).toContain('./deploy/temporal/server.yaml:/etc/temporal/config/turnout.yaml:ro');
    const command = temporal.entrypoint.join(' ');
    expect(command).toContain('--env turnout start');
    for (const service of serverServices) expect(command).toContain(`--service ${service}`);
    expect(JSON.stringify(compose)).not.toMatch(/auto-setup/);
  });

  it('sets up schema and namespace with the setup script the native stack runs', () => {
    expect(compose.services['temporal-schema'].entrypoint).toEqual(['sh', '/deploy/setup.sh', 'schema']);
    expect(compose.services['temporal-namespace'].entrypoint).toEqual(['sh', '/deploy/setup.sh', 'namespace']);
    const attributes = compose.services['temporal-namespace'].environment.TURNOUT_SEARCH_ATTRIBUTES;
    for (const name of ['RolloutApp', 'RolloutTarget', 'RolloutState', 'RolloutStrategy']) expect(attributes).toContain(name);
  });

  it('builds the worker from the Dockerfile, mounts the estates and gives it a token from a secret file over TLS', () => {
    const worker = compose.services['turnout-worker'];
    expect(worker.build).toBe('.');
    expect(worker.volumes).toContain('./estates:/estates:ro');
    expect(worker.environment).toMatchObject({ TURNOUT_ESTATES: '/estates', TEMPORAL_ADDRESS: 'temporal:7233', TURNOUT_API_KEY_FILE: '/run/secrets/turnout-worker-token', TEMPORAL_TLS_CA: expect.any(String) });
    expect(worker.environment.TEMPORAL_TLS).toBeUndefined();
    expect(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/CMD \["worker"\]/);
  });

  it('points the Temporal server at PostgreSQL and takes secrets only from the environment', () => {
    const temporal = compose.services.temporal;
    expect(temporal.environment.POSTGRES_SEEDS).toBe('postgresql');
    expect(temporal.environment.POSTGRES_PWD).toMatch(/^\$\{POSTGRES_PASSWORD/);
    expect(temporal.environment.TEMPORAL_JWT_KEY_SOURCE).toMatch(/^\$\{TEMPORAL_JWT_KEY_SOURCE/);
  });

  it('publishes ports on loopback only, and never the internal frontend', () => {
    const ports = Object.values<{ ports?: string[] }>(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:/);
    expect(ports.join(' ')).not.toMatch(/7236/);
  });
});
