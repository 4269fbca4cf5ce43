/** The planning room: one planner per procedure, all pure `(request, estate) -> Plan`. */
import { workflowTypes, type Estate, type Plan, type RolloutRequest, type WorkflowType } from '../model';
import { planMultiCell } from './multi-cell';
import { PlanningError } from './planning-error';

export { PlanningError } from './planning-error';
export { checkCellCapacity } from './capacity';
export { planMultiCell } from './multi-cell';

/** Plans a rollout with the planner of its workflow type. */
export function planRollout(type: WorkflowType, request: RolloutRequest, estate: Estate): Plan {
  switch (type) {
    case workflowTypes.multiCellRollout:
      return planMultiCell(request, estate);
    default:
      throw new PlanningError(`no planner for ${type} yet`);
  }
}
