/** The planning room: one planner per procedure, all pure `(request, estate) -> Plan`. */
import { workflowTypes, type Estate, type Plan, type RolloutRequest, type WorkflowType } from '../model';
import { planJavaClient } from './java-client';
import { planMultiCell } from './multi-cell';
import { planSingleCell } from './single-cell';
import { planEdition } from './edition';
import { PlanningError } from './planning-error';

export { PlanningError } from './planning-error';
export { checkCellCapacity } from './capacity';
export { planMultiCell } from './multi-cell';
export { planSingleCell, cumulativeGroups } from './single-cell';
export { planJavaClient } from './java-client';
export { planEdition } from './edition';
export { clusterPair } from './clusters';

/** Plans a rollout with the planner of its workflow type. */
export function planRollout(type: WorkflowType, request: RolloutRequest, estate: Estate): Plan {
  switch (type) {
    case workflowTypes.multiCellRollout:
      return planMultiCell(request, estate);
    case workflowTypes.singleCellRollout:
      return planSingleCell(request, estate);
    case workflowTypes.javaClientRollout:
      return planJavaClient(request, estate);
    case workflowTypes.editionRollout:
      return planEdition(request, estate);
    default:
      throw new PlanningError(`no planner for ${String(type)}`);
  }
}
