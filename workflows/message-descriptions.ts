/**
 * The descriptions the Temporal UI shows next to each message, per workflow type: which gates
 * the procedure's planner creates (so an approval names a phase that exists) and what its rollback
 * does (see the rollbacks in `*rollback.ts` and README's "Rollback: what it guarantees"). Handler
 * metadata only: no command changes with them.
 */
import { workflowTypes, type WorkflowType } from '../src/model';
import { messageDescriptions } from './messages';

/** What differs between procedures: the gates an approval answers, an example, and the rollback. */
interface ProcedureWords {
  gates: string;
  example: string;
  rollback: string;
}

const lbRollback =
  'One loadbalancer.xml write to every load balancer first: clusters that may hold N+1 stay disabled while their sessions end, the rest are as before (unless no cluster on N is left). Then each such cluster, in reverse order: stopped, version N reinstalled, started, checked, enabled. The last write is the starting file, byte for byte.';
const glassfishGates = 'Gate: instance-<name> of the second instance, once the first one runs N+1; a drain that reaches its maximum wait asks under its step, such as instance-<name>.drain.';

const procedures: Record<WorkflowType, ProcedureWords> = {
  [workflowTypes.multiCellRollout]: {
    gates: 'Gates: cell-<cell> before each cell after the first (such as cell-Y); a drain that reaches its maximum wait asks under <cell>.drain (such as X.drain).',
    example: 'cell-Y',
    rollback:
      'Routing first, at the IP sprayer: cells on version N route as before the rollout, cells holding N+1 take no new sessions (unless no cell on N could take them yet). Then cell by cell, in reverse order: the N+1 sessions end, version N is reinstalled, the cell gets its routing back.',
  },
  [workflowTypes.singleCellRollout]: {
    gates: 'Gates: transition (N+1 answered through the test VIP: move it into production) and remaining (after the first group); the drain of version N asks under F.drain when it reaches its maximum wait.',
    example: 'transition',
    rollback:
      "Version N's servers start again first, so a cluster always takes new sessions. Then plugin-cfg.xml: while N+1 sessions end, a hold file sends every new session to version N; then every HTTP server gets its starting file back, and the servers the rollout started stop. Last, every app server gets back the version, virtual host and running state it had at the start.",
  },
  [workflowTypes.javaClientRollout]: {
    gates: 'Gate: switch (test clients reached N+1: switch the bindings); the wait for quiet ORB connections asks under C.quiet when it reaches its maximum wait.',
    example: 'switch',
    rollback: "Version N's servers start first; then the InitialContextProvider and EJB bindings point back at version N's cluster, and once the N+1 servers' ORB connections are quiet, the servers the rollout started stop. Last, every app server gets back the version, virtual host and running state it had at the start.",
  },
  [workflowTypes.editionRollout]: {
    gates: 'Gates: second-half (atomic), or group-<n> before each group after the first (grouped, such as group-2); validation ends a validation on the clone; a drain that reaches its maximum wait asks under <group>.drain (such as first-half.drain).',
    example: 'second-half',
    rollback:
      'One router change first: members on version N take new sessions as before, members holding N+1 keep their sessions and take no new ones (unless no member on N is left). Then group by group, in reverse order: the N+1 sessions end, the members are reset to N, checked and routed; the validation clone goes last, back to the version it had at the start.',
  },
  [workflowTypes.multiClusterUpgrade]: {
    gates: 'Gates: cluster-<cluster> before each cluster after the first; a quiescing wait that reaches its maximum asks under its step, such as <cluster>.quiesce.',
    example: 'cluster-<cluster>',
    rollback: lbRollback,
  },
  [workflowTypes.clusterOperation]: {
    gates: 'No phase gate; a quiescing wait that reaches its maximum asks under its step, such as instance.quiesce.',
    example: 'instance.quiesce',
    rollback: lbRollback,
  },
  [workflowTypes.versionedRollingUpgrade]: {
    gates: glassfishGates,
    example: 'instance-<name>',
    rollback:
      'Routing first, in one HAProxy change: the cluster never lacks an instance that takes new sessions. Then the switched instances, in reverse order: out of routing, version N enabled again on that instance, checked through its own port, given back. N+1 stays deployed, disabled on every instance.',
  },
  [workflowTypes.rollingUpgrade]: {
    gates: glassfishGates,
    example: 'instance-<name>',
    rollback:
      'Routing first, in one HAProxy change. Then the restarted instances, in reverse order: out of routing, version N redeployed and the instance restarted with its session store kept, checked through its own port, given back. Dynamic reconfiguration ends as it was.',
  },
};

/** Every message's description. */
export type MessageDescriptions = Record<keyof typeof messageDescriptions, string>;

/** The descriptions for `workflowType`'s rollouts; the generic ones for any other type. */
export function messageDescriptionsFor(workflowType: string): MessageDescriptions {
  const p = (procedures as Partial<Record<string, ProcedureWords>>)[workflowType];
  if (!p) return messageDescriptions;
  return {
    ...messageDescriptions,
    approve: `Approve the gate waiting for approval. ${p.gates} Input: {"by": "your name", "phase": "${p.example}" (optional; the phase or gate shown in Current details), "comment": "..." (optional)}`,
    approvePhase: `Approve the gate waiting for approval; refused if nothing waits or the phase differs. ${p.gates} Returns the new status.`,
    rollback: `Roll the whole rollout back now. ${p.rollback} Input: {"by": "your name", "reason": "why"}`,
    requestRollback: `Roll back now; refused if the rollout is already rolling back or has ended. ${p.rollback} Returns the new status.`,
  };
}
