import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// No Docker engine runs here, so the file is checked for what it must say, not run.
const root = path.resolve(__dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));

describe('docker-compose.yml', () => {
  it('names PostgreSQL, the Temporal server, the Temporal UI and the turnout worker', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'turnout-worker']));
  });

  it('builds the worker from the Dockerfile and mounts the estates', () => {
    const worker = compose.services['turnout-worker'];
    expect(worker.build).toBe('.');
    expect(worker.volumes).toContain('./estates:/estates:ro');
    expect(worker.environment).toMatchObject({ TURNOUT_ESTATES: '/estates', TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/CMD \["worker"\]/);
  });

  it('points the Temporal server at PostgreSQL and takes the password only from the environment', () => {
    const temporal = compose.services.temporal;
    expect(temporal.environment.POSTGRES_SEEDS).toBe('postgresql');
    expect(temporal.environment.POSTGRES_PWD).toMatch(/^\$\{POSTGRES_PASSWORD/);
  });

  it('registers the rollout search attributes', () => {
    const setup = compose.services['temporal-setup'].command.join(' ');
    for (const name of ['RolloutApp', 'RolloutTarget', 'RolloutState', 'RolloutStrategy']) expect(setup).toContain(name);
  });

  it('publishes ports on loopback only', () => {
    const ports = Object.values<{ ports?: string[] }>(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:/);
  });
});
