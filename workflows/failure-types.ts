/**
 * `ApplicationFailure` types that turnout raises, shared by activities, workflows and the client
 * (which maps them to exit codes). Pure constants, safe in workflow code.
 */
export const failureTypes = {
  /** A request or estate failed validation; the message names each bad field by JSON path. */
  invalidInput: 'InvalidInput',
  /** The request is valid but its planner refused it (the capacity check, an unknown cell). */
  planningRefused: 'PlanningRefused',
  /** Another rollout holds the target (application + estate); nothing was touched. */
  targetBusy: 'TargetBusy',
  /** The smoke test through the test virtual host did not see the new version answer. */
  smokeTestFailed: 'SmokeTestFailed',
  /** A step failed and the request's policy says to stop there. */
  rolloutFailed: 'RolloutFailed',
  /** Nobody approved a gate in time, and the approval policy says to fail (not to roll back). */
  approvalTimedOut: 'ApprovalTimedOut',
  /** A drain reached its maximum wait with sessions left, and the policy says to fail. */
  drainTimedOut: 'DrainTimedOut',
  /** A server that should run N+1 did not answer with it, and the policy says to fail the step. */
  deadServer: 'DeadServer',
  /** A member of an edition's first group failed to take the new edition; the rollout fails and N stays active (seed 003). */
  memberResetFailed: 'MemberResetFailed',
  /** A GlassFish instance did not answer the version it should serve after its switch or restart. */
  instanceCheckFailed: 'InstanceCheckFailed',
  /** The rollout was rolled back (on request or after a failed step); routing and version N are restored. Details: the final status. */
  rolledBack: 'RolledBack',
  /** A person ended a rollback that could not finish; what it had not restored was left as it was. */
  rollbackLeftAsIs: 'RollbackLeftAsIs',
  /** A notification no retry can deliver (a variable missing on the worker, a 4xx); the rollout goes on. */
  notifyRefused: 'NotifyRefused',
  /** A notification attempt that failed and may go through on a retry (a 5xx, a timeout). */
  notifyFailed: 'NotifyFailed',
} as const;
export type FailureType = (typeof failureTypes)[keyof typeof failureTypes];
