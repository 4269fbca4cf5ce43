import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estateSchema, rolloutRequestSchema, type EstateInput, type RolloutStatus } from '../../src/model';
import { planSingleCell } from '../../src/planning';
import { artifactsFor, clusterRepairs, clusterStarts, touchedClusters, type ServerReading } from '../../src/planning/app-server-start';
import { renderCurrentDetails } from '../../src/planning/details';
import { renderStatus } from '../../src/cli/render-status';

const root = path.resolve(__dirname, '..', '..');
const request = (over: Record<string, unknown> = {}) => rolloutRequestSchema.parse({ app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', artifact: 'lab:1.1', estate: 'lab', ...over });

const server = (name: string, cluster: string, running: boolean, version: string, virtualHost: string): ServerReading => ({ name, cluster, running, version, virtualHost, runningVirtualHost: running ? virtualHost : null });
/** The lab's single cell at the start: ClusterX runs 1.0 on prod_vhost, ClusterY is stopped holding 1.0 on test_vhost. */
const atStart = [
  server('ServerX1', 'ClusterX', true, '1.0', 'prod_vhost'), server('ServerX2', 'ClusterX', true, '1.0', 'prod_vhost'),
  server('ServerY1', 'ClusterY', false, '1.0', 'test_vhost'), server('ServerY2', 'ClusterY', false, '1.0', 'test_vhost'),
];

describe('the app servers a rollback puts back', () => {
  it('records the clusters a single-cell plan changes, per cluster', () => {
    const estate = estateSchema.parse(JSON.parse(readFileSync(path.join(root, 'estates', 'lab-single-cell.json'), 'utf8')) as EstateInput);
    const plan = planSingleCell(request({ strategy: { firstGroupSize: 1, groupSize: 2 } }), estate);
    expect(touchedClusters(plan, estate)).toEqual(['ClusterX', 'ClusterY']);
    expect(clusterStarts(atStart, ['ClusterX', 'ClusterY'])).toEqual([
      { cluster: 'ClusterX', version: '1.0', virtualHost: 'prod_vhost', running: 'all' },
      { cluster: 'ClusterY', version: '1.0', virtualHost: 'test_vhost', running: 'none' },
    ]);
  });

  it('puts back the issue-16 leftover: ClusterY stopped, 1.1 on prod_vhost -> 1.0 on test_vhost; nothing once it is back', () => {
    const start = clusterStarts(atStart, ['ClusterX', 'ClusterY']);
    const after = atStart.map((s) => (s.cluster === 'ClusterY' ? { ...s, version: '1.1', virtualHost: 'prod_vhost' } : s));
    const artifacts = artifactsFor(request(), start);
    expect(artifacts).toEqual({ '1.0': 'lab:1.0' });
    expect(clusterRepairs(start, after, artifacts)).toEqual([
      { cluster: 'ClusterY', stop: [], start: [], install: { version: '1.0', artifact: 'lab:1.0', virtualHost: 'test_vhost' }, virtualHost: 'test_vhost' },
    ]);
    expect(clusterRepairs(start, atStart, artifacts)).toEqual([]);
    // reinstallPrevious: false keeps the versions; a server left running is still stopped.
    const running = after.map((s) => (s.name === 'ServerY1' ? { ...s, running: true, runningVirtualHost: 'prod_vhost' } : s));
    expect(clusterRepairs(start, running, artifacts, false)).toEqual([{ cluster: 'ClusterY', stop: ['ServerY1'], start: [] }]);
  });

  it('says what it cannot put back: a version without an artifact, a cluster whose members differed', () => {
    const start = clusterStarts([...atStart, server('ServerZ1', 'ClusterZ', true, '0.9', 'prod_vhost'), server('ServerZ2', 'ClusterZ', true, '1.0', 'prod_vhost')], ['ClusterY', 'ClusterZ']);
    expect(start[1]).toMatchObject({ cluster: 'ClusterZ', mixed: true });
    const real = request({ artifact: '/repo/app-1.1.ear', rollback: { previousArtifact: '/repo/app-1.0.ear' } });
    const old = [{ ...start[0]!, version: '0.8' }];
    expect(artifactsFor(real, old)).toEqual({});
    const now = atStart.map((s) => (s.cluster === 'ClusterY' ? { ...s, version: '1.1' } : s));
    expect(clusterRepairs(old, now, {})[0]?.left).toMatch(/held 0.8 at the start, and turnout has no artifact/);
    expect(clusterRepairs(start, [...now, server('ServerZ1', 'ClusterZ', false, '1.1', 'prod_vhost')], {})[1]).toMatchObject({ cluster: 'ClusterZ', start: ['ServerZ1'], left: expect.stringMatching(/different versions/) });
  });

  it('marks an undone step in Current details and turnout status, with the time', () => {
    const status: RolloutStatus = {
      rolloutId: 'r1', workflowType: 'singleCellRollout', app: 'a', fromVersion: '1.0', toVersion: '1.1', target: 'a@e', state: 'rolled-back', currentStep: null, approvals: [], events: [],
      steps: [{ id: 'B.install', title: 'B.1 Install a 1.1 on ClusterY under test_vhost', status: 'undone', undoneAt: '2026-12-02T13:40:00.000Z' }],
    };
    expect(renderCurrentDetails(status)).toContain('| ↶ | B.1 Install a 1.1 on ClusterY under test_vhost ↶ undone 13:40:00 UTC |');
    // turnout status shows the machine's local time.
    expect(renderStatus(status)).toMatch(/\[<\] B\.1 Install a 1\.1 on ClusterY under test_vhost {2}\(undone \d\d:\d\d:\d\d\)/);
  });
});
