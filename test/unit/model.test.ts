import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateEstate, validateRequest, type InputProblem } from '../../src/model';

const root = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary fields of the document
const labEstate = (): Record<string, any> => JSON.parse(readFileSync(path.join(root, 'estates', 'lab.json'), 'utf8'));
const request = (over: Record<string, unknown> = {}) => ({ app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', artifact: 'lab:1.1', estate: 'lab', ...over });

function problems(result: { ok: true } | { ok: false; problems: InputProblem[] }): InputProblem[] {
  if (result.ok) throw new Error('expected the input to be refused');
  return result.problems;
}
const paths = (p: InputProblem[]) => p.map((x) => x.path);

describe('estate schema', () => {
  it.each(['lab.json', 'lab-multi-cell.json'])('accepts the seed topology in estates/%s', (file) => {
    const result = validateEstate(JSON.parse(readFileSync(path.join(root, 'estates', file), 'utf8')));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const clones = result.value.cells.flatMap((c) => c.clusters.flatMap((k) => k.servers.map((s) => s.cloneId)));
    expect(clones).toEqual(['v7oe1ii4', 'v7oe1j1e', 'v7oe1k2f', 'v7oe3bhc', 'v7oe3c36', 'v7oe4cu8']);
    expect(result.value.cells[1]?.clusters[0]?.servers.map((s) => s.port)).toEqual([9181, 9182, 9183]);
  });

  it('fills in defaults the seeds give', () => {
    const estate = labEstate();
    delete estate.cells[0].clusters[0].servers[0].weight;
    delete estate.cells[0].httpServers[0].refreshIntervalSeconds;
    const result = validateEstate(estate);
    expect(result.ok && result.value.cells[0]?.clusters[0]?.servers[0]?.weight).toBe(2);
    expect(result.ok && result.value.cells[0]?.httpServers[0]?.refreshIntervalSeconds).toBe(60);
  });

  it('names a wrong type by its JSON path', () => {
    const estate = labEstate();
    estate.cells[1].clusters[0].servers[2].port = '9183';
    expect(paths(problems(validateEstate(estate)))).toEqual(['$.cells[1].clusters[0].servers[2].port']);
  });

  it('names an out-of-range value and a bad enum', () => {
    const estate = labEstate();
    estate.cells[0].clusters[0].servers[0].port = 70000;
    estate.cells[0].clusters[0].state = 'sleeping';
    expect(paths(problems(validateEstate(estate))).sort()).toEqual(['$.cells[0].clusters[0].servers[0].port', '$.cells[0].clusters[0].state']);
  });

  it('refuses unknown fields, naming them', () => {
    const estate = labEstate();
    estate.cells[0].clusters[0].servers[0].clone = 'x';
    const found = problems(validateEstate(estate));
    expect(found).toEqual([{ path: '$.cells[0].clusters[0].servers[0].clone', message: 'unknown field' }]);
  });

  it('refuses a missing required field', () => {
    const estate = labEstate();
    delete estate.virtualHosts.test;
    expect(paths(problems(validateEstate(estate)))).toEqual(['$.virtualHosts.test']);
  });

  it('refuses duplicate clone IDs, since they route sessions', () => {
    const estate = labEstate();
    estate.cells[1].clusters[0].servers[0].cloneId = 'v7oe1ii4';
    const found = problems(validateEstate(estate));
    expect(paths(found)).toEqual(['$.cells[1].clusters[0].servers[0].cloneId']);
    expect(found[0]?.message).toMatch(/ServerX1/);
  });

  it('locates problems under a prefix when the estate came from a request', () => {
    const estate = labEstate();
    estate.cells = [];
    expect(paths(problems(validateEstate(estate, ['estate'])))).toEqual(['$.estate.cells']);
  });
});

describe('request schema', () => {
  it('accepts a minimal request and fills in the seed defaults', () => {
    const result = validateRequest(request());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.drain).toEqual({ pollIntervalSeconds: 5, maxWaitSeconds: 31 * 60, sessionThreshold: 0, onTimeout: 'approve' });
    expect(result.value.strategy).toMatchObject({ firstGroupSize: 1, groupSize: 5 });
    expect(result.value.rollback.onFailure).toBe('rollback');
  });

  it('accepts an inline estate', () => {
    expect(validateRequest(request({ estate: labEstate() })).ok).toBe(true);
  });

  it('names every problem at once', () => {
    const found = problems(
      validateRequest(request({ app: undefined, drain: { pollIntervalSeconds: 0, onTimeout: 'ignore' }, approvals: { timeoutSeconds: -1 } })),
    );
    expect(paths(found).sort()).toEqual(['$.app', '$.approvals.timeoutSeconds', '$.drain.onTimeout', '$.drain.pollIntervalSeconds']);
  });

  it('names a field inside an inline estate', () => {
    const estate = labEstate();
    estate.cells[0].clusters[0].servers[1].cloneId = 'no spaces!';
    expect(paths(problems(validateRequest(request({ estate }))))).toContain('$.estate.cells[0].clusters[0].servers[1].cloneId');
  });

  it('refuses a time zone that does not exist and a malformed window', () => {
    const found = problems(validateRequest(request({ windows: { timeZone: 'Mars/Olympus', windows: [{ days: ['SUN'], start: '25:00', end: '04:00' }] } })));
    expect(paths(found).sort()).toEqual(['$.windows.timeZone', '$.windows.windows[0].start']);
  });

  it('refuses a rollout to the version already running', () => {
    expect(paths(problems(validateRequest(request({ toVersion: '1.0' }))))).toEqual(['$.toVersion']);
  });

  it('refuses an estate name that reaches outside the estates folder', () => {
    expect(paths(problems(validateRequest(request({ estate: '../secrets' }))))).toEqual(['$.estate']);
  });
});
