import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estateSchema, rolloutRequestSchema, workflowTypes, type WorkflowType } from '../../src/model';
import { planRollout } from '../../src/planning';
import { messageDescriptionsFor } from '../../workflows/message-descriptions';
import { messageDescriptions } from '../../workflows/messages';

const root = path.resolve(__dirname, '..', '..');
const estate = (name: string) => estateSchema.parse(JSON.parse(readFileSync(path.join(root, 'estates', `${name}.json`), 'utf8')));
const request = (over: Record<string, unknown> = {}) =>
  rolloutRequestSchema.parse({ app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', artifact: 'lab:1.1', estate: 'lab', burnInSeconds: 60, ...over });

/** The names a description offers: its words, with `<...>` standing for any name. */
function offered(description: string): RegExp[] {
  return [...description.matchAll(/[\w<>.-]+/g)].map((m) => new RegExp(`^${m[0].replace(/\.$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/<[^>]+>/g, '[^ ]+')}$`));
}

describe('message descriptions per workflow type', () => {
  const planned: [WorkflowType, string, Record<string, unknown>][] = [
    [workflowTypes.multiCellRollout, 'lab-multi-cell', {}],
    [workflowTypes.singleCellRollout, 'lab-single-cell', {}],
    [workflowTypes.javaClientRollout, 'lab-single-cell', {}],
    [workflowTypes.editionRollout, 'lab-edition', {}],
    [workflowTypes.editionRollout, 'lab-edition', { edition: { rolloutType: 'atomic' } }],
    [workflowTypes.multiClusterUpgrade, 'lab-lb', {}],
    [workflowTypes.versionedRollingUpgrade, 'lab-payara', {}],
    [workflowTypes.rollingUpgrade, 'lab-payara', {}],
  ];
  it.each(planned)("%s on %s %j: approve offers every gate the planner makes, and each drain's timeout gate", (type, estateName, over) => {
    const plan = planRollout(type, request({ estate: estateName, ...over }), estate(estateName));
    const d = messageDescriptionsFor(type);
    const gates = [...new Set(plan.steps.flatMap((s) => (s.kind === 'approval' ? [s.phase] : s.kind === 'drain' ? [s.id] : [])))];
    expect(gates.length).toBeGreaterThan(0);
    for (const description of [d.approve, d.approvePhase]) {
      const names = offered(description);
      for (const gate of gates) expect([gate, names.some((n) => n.test(gate))]).toEqual([gate, true]);
    }
  });

  it('says what each procedure\'s rollback does, and never offers a multi-cell phase to another procedure', () => {
    const rollbacks = Object.values(workflowTypes).map((t) => messageDescriptionsFor(t).rollback);
    // Procedures of one family share their rollback: loadbalancer.xml (2 types).
    expect(new Set(rollbacks).size).toBe(rollbacks.length - 1);
    for (const t of Object.values(workflowTypes).filter((x) => x !== workflowTypes.multiCellRollout)) expect(messageDescriptionsFor(t).approve).not.toContain('cell-Y');
    expect(messageDescriptionsFor(workflowTypes.singleCellRollout).approve).toContain('"phase": "transition"');
    expect(messageDescriptionsFor(workflowTypes.singleCellRollout).rollback).toMatch(/hold file .* starting file back/);
    expect(messageDescriptionsFor(workflowTypes.singleCellRollout).rollback).not.toContain('reinstalled');
    expect(messageDescriptionsFor(workflowTypes.multiCellRollout).rollback).toContain('version N is reinstalled');
    expect(messageDescriptionsFor('pingWorkflow')).toEqual(messageDescriptions);
  });
});
