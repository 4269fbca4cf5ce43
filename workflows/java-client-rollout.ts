/**
 * `javaClientRollout`: stand-alone Java clients moved to N+1 by switching the configured JNDI
 * bindings (seed 002, "Java client application transition", steps A-D).
 */
import { workflowTypes, type RolloutStatus } from '../src/model';
import { planJavaClient } from '../src/planning/java-client';
import { rollBackJavaClient } from './cluster-rollback';
import { recordClusterStart } from './cluster-steps';
import { runRollout } from './executor';

/** Moves Java clients from the active cluster (version N) to the dormant one (N+1). */
export async function javaClientRollout(request: unknown, continued?: unknown): Promise<RolloutStatus> {
  return runRollout(workflowTypes.javaClientRollout, request, { plan: planJavaClient, recordStart: recordClusterStart, rollBack: rollBackJavaClient }, continued);
}
