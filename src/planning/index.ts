/** The planning room: one planner per procedure, all pure `(request, estate) -> Plan`. */
import { workflowTypes, type Estate, type Plan, type RolloutRequest, type WorkflowType } from '../model';
import { planJavaClient } from './java-client';
import { planMultiCell } from './multi-cell';
import { planSingleCell } from './single-cell';
import { planEdition } from './edition';
import { planMultiCluster } from './multi-cluster';
import { planClusterOperation } from './cluster-operation';
import { planVersionedRollingUpgrade } from './versioned-rolling-upgrade';
import { planRollingUpgrade } from './rolling-upgrade';
import { PlanningError } from './planning-error';

export { PlanningError } from './planning-error';
export { checkCellCapacity } from './capacity';
export { planMultiCell } from './multi-cell';
export { planSingleCell, cumulativeGroups } from './single-cell';
export { planJavaClient } from './java-client';
export { planEdition } from './edition';
export { planMultiCluster } from './multi-cluster';
export { planClusterOperation } from './cluster-operation';
export { planVersionedRollingUpgrade } from './versioned-rolling-upgrade';
export { planRollingUpgrade } from './rolling-upgrade';
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
    case workflowTypes.multiClusterUpgrade:
      return planMultiCluster(request, estate);
    case workflowTypes.clusterOperation:
      return planClusterOperation(request, estate);
    case workflowTypes.versionedRollingUpgrade:
      return planVersionedRollingUpgrade(request, estate);
    case workflowTypes.rollingUpgrade:
      return planRollingUpgrade(request, estate);
    default:
      throw new PlanningError(`no planner for ${String(type)}`);
  }
}
