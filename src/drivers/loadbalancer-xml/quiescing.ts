/**
 * The quiescing period the load balancers apply to what a procedure disabled (seed 004,
 * "Understanding Quiescing"): the longest `disable-timeout-in-minutes` of the instances (or web
 * modules) concerned, at the estate's length of a minute, plus one poll for the file to be seen.
 * Pure.
 */
import type { Estate } from '../../model/estate';
import type { LoadBalancerConfig } from './config';

/** What was disabled: some instances of a cluster (all when absent), or a web module (`*`: every one). */
export interface QuiescedThing {
  cluster: string;
  instances?: string[];
  contextRoot?: string;
}

/** The period in seconds and how it was computed; undefined when the file has no such cluster. */
export function quiescingPeriodOf(config: LoadBalancerConfig, estate: Estate, q: QuiescedThing): { seconds: number; basis: string } | undefined {
  const lbs = estate.loadBalancers;
  const cluster = config.clusters.find((c) => c.name === q.cluster);
  if (!lbs || !cluster) return undefined;
  const minutes = q.contextRoot
    ? cluster.webModules.filter((w) => q.contextRoot === '*' || w.contextRoot === q.contextRoot).map((w) => w.disableTimeoutMinutes)
    : cluster.instances.filter((i) => !q.instances || q.instances.includes(i.name)).map((i) => i.disableTimeoutMinutes);
  const longest = Math.max(0, ...minutes);
  return { seconds: Math.ceil(longest * lbs.minuteSeconds + lbs.pollIntervalSeconds), basis: `disable-timeout-in-minutes ${longest} × ${lbs.minuteSeconds}s + one poll of ${lbs.pollIntervalSeconds}s` };
}
