/** Approval gates: manual when the request's approval policy names the phase (or `*`), else automatic. */
import { stepKinds, type RolloutRequest, type Step } from '../model';

/** Whether the approval policy asks a person to approve `phase`. */
export function needsPerson(phase: string, request: RolloutRequest): boolean {
  const phases = request.approvals.phases;
  return phases.includes('*') || phases.includes(phase);
}

/** The gate step that opens `phase`. */
export function gateFor(phase: string, question: string, request: RolloutRequest): Step {
  const gate = needsPerson(phase, request) ? 'manual' : 'automatic';
  return { id: `${phase}.approval`, phase, disruptive: false, kind: stepKinds.approval, gate, question, title: `Approval to start ${phase}${gate === 'automatic' ? ' (automatic)' : ''}` };
}
