/**
 * Every workflow type the worker registers. The bundler loads this file, so it exports workflow
 * functions (and types) only.
 */
export { pingWorkflow, type PingResult } from './ping';
export { multiCellRollout } from './multi-cell-rollout';
export { rolloutTargetLease } from './target-lease';
export { singleCellRollout } from './single-cell-rollout';
export { javaClientRollout } from './java-client-rollout';
export { editionRollout } from './edition-rollout';
export { multiClusterUpgrade, clusterOperation } from './multi-cluster-upgrade';
export { versionedRollingUpgrade, rollingUpgrade } from './glassfish-rollouts';
