/**
 * What `turnout plan` says about the quiescing periods of a loadbalancer.xml procedure (seed 004):
 * the periods live in the load balancers' file, not in the estate, so the plan reads the first
 * load balancer's file where it can (a local path) and says, for each quiescing wait, how long the
 * load balancers will keep sessions, and whether the request's drain is shorter, in which case a
 * person approves before the sessions left fail over.
 */
import { readFileSync } from 'node:fs';
import type { Estate, Plan, RolloutRequest } from '../model';
import { quiescingPeriodOf, readLoadBalancerConfig, type LoadBalancerConfig } from '../drivers/loadbalancer-xml';

/** One line per quiescing wait of the plan; empty when the plan has none or the file cannot be read here. */
export function quiescingNotes(plan: Plan, request: RolloutRequest, estate: Estate): string[] {
  const file = estate.loadBalancers?.balancers[0]?.file;
  const waits = plan.steps.flatMap((s) => (s.kind === 'drain' && s.quiescing ? [{ id: s.id, q: s.quiescing }] : []));
  if (waits.length === 0 || file?.kind !== 'local') return [];
  let config: LoadBalancerConfig;
  try {
    config = readLoadBalancerConfig(readFileSync(file.path, 'utf8'));
  } catch (err) {
    return [`quiescing: ${file.path} could not be read here (${(err as Error).message}); the periods are read when the rollout starts`];
  }
  return waits.map(({ id, q }) => {
    const seconds = quiescingPeriodOf(config, estate, q)?.seconds;
    if (seconds === undefined) return `quiescing ${id}: ${file.path} has no cluster ${q.cluster}`;
    const max = request.drain.maxWaitSeconds;
    return max < seconds
      ? `quiescing ${id}: ${seconds}s in ${file.path}, longer than drain.maxWaitSeconds (${max}s): a person approves before the sessions left fail over`
      : `quiescing ${id}: ${seconds}s in ${file.path}; the wait ends early once no session is left`;
  });
}
