import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { quiescingNotes } from '../../src/cli/quiescing-notes';
import { estateSchema, rolloutRequestSchema, type Estate } from '../../src/model';
import { planMultiCluster } from '../../src/planning';
import { tempDir } from '../support/temp-dir';

const root = path.resolve(__dirname, '..', '..');
const lab = readFileSync(path.join(root, 'test', 'fixtures', 'loadbalancer-xml', 'lab-lb.xml'), 'utf8');

function estateWithFile(xml: string): Estate {
  const dir = tempDir('quiescing');
  const file = path.join(dir, 'loadbalancer.xml');
  writeFileSync(file, xml);
  const input = JSON.parse(readFileSync(path.join(root, 'estates', 'lab-lb.json'), 'utf8')) as { loadBalancers: { balancers: { file: { path: string } }[] } };
  for (const b of input.loadBalancers.balancers) b.file.path = file;
  return estateSchema.parse(input);
}
const request = (maxWaitSeconds: number) => rolloutRequestSchema.parse({ procedure: 'multiClusterUpgrade', app: 'userHitCount', fromVersion: '1.0', toVersion: '2.0', artifact: 'lab:2.0', estate: 'lab-lb', drain: { maxWaitSeconds } });

describe('turnout plan on the quiescing periods of loadbalancer.xml', () => {
  it('states each period read from the file (2 lab minutes of 3 s, plus a 1 s poll)', () => {
    const estate = estateWithFile(lab);
    const notes = quiescingNotes(planMultiCluster(request(120), estate), request(120), estate);
    expect(notes).toEqual([expect.stringMatching(/^quiescing ClusterA\.quiesce: 7s in .*; the wait ends early once no session is left$/), expect.stringMatching(/^quiescing ClusterB\.quiesce: 7s/)]);
  });

  it('says when the drain is shorter than the period: a person approves before sessions fail over', () => {
    const estate = estateWithFile(lab);
    const notes = quiescingNotes(planMultiCluster(request(3), estate), request(3), estate);
    expect(notes[0]).toMatch(/7s in .*, longer than drain\.maxWaitSeconds \(3s\): a person approves before the sessions left fail over$/);
  });

  it('says so when the file cannot be read here', () => {
    const estate = estateWithFile('<not-xml');
    expect(quiescingNotes(planMultiCluster(request(120), estate), request(120), estate)[0]).toMatch(/could not be read here/);
  });
});
