/**
 * What every planner's plan gets before anyone sees it: the server checks at the end of each phase,
 * and the rollback route of each phase. Pure.
 */
import { allServers, type Estate, type Plan, type RolloutRequest } from '../model';
import { planRollbackRoutes } from './rollback-route';
import { withServerChecks } from './server-checks';

/** Adds the server checks and rollback routes to a planner's plan; `cells` is the rollout's cell order (multi-cell). */
export function completePlan(plan: Plan, request: RolloutRequest, estate: Estate, cells: readonly string[] = estate.cells.map((c) => c.name)): Plan {
  const checked: Plan = { ...plan, steps: withServerChecks(plan.steps, estate, request.toVersion) };
  const running = allServers(estate).filter((l) => l.cluster.state === 'active').map((l) => l.server.name);
  return { ...checked, rollbackRoutes: planRollbackRoutes(checked, request, { cells, running, virtualHost: estate.virtualHosts.production.name }) };
}
