/**
 * What a rollback puts back on the application servers (issue 16): every cluster the plan installs
 * to, maps to a virtual host, starts or stops, as the rollout found it: its installed version, its
 * virtual host and which members ran. Routing is restored first by each procedure's own route; this
 * comes after it, as the slower repair seed 002 says a rollback should not need, but a site that
 * rolled back must not keep N+1 staged on production's virtual host either.
 *
 * Recorded per cluster, not per server, so history grows with the plan's clusters, not the estate.
 * Pure: the workflow and the activity both use it.
 */
import { workflowTypes, type AppServerReading, type Estate, type Plan, type RolloutRequest } from '../model';
import { allServers } from '../model/estate';
import { previousArtifactOf } from '../model/request';

/** One cluster's application servers as the rollout found them. */
export interface ClusterStart {
  cluster: string;
  /** The installed version; '' when the application was not installed. */
  version: string;
  virtualHost: string;
  /** The members that ran. */
  running: 'all' | 'none' | string[];
  /** The members held different versions or virtual hosts: only which ran is put back. */
  mixed?: true;
}

/** One server as the admin side reports it. */
export type ServerReading = AppServerReading;

/** What to do to one cluster to give it back its start. */
export interface ClusterRepair {
  cluster: string;
  /** Members to stop: they did not run at the start. */
  stop: string[];
  /** Install the start's version again (with its artifact and virtual host). */
  install?: { version: string; artifact: string; virtualHost: string };
  /** Members to start: they ran at the start. */
  start: string[];
  /** Map the application to the start's virtual host again, restarting members that serve another. */
  virtualHost?: string;
  /** What cannot be put back, and why. */
  left?: string;
}

const glassfishTypes: readonly string[] = [workflowTypes.versionedRollingUpgrade, workflowTypes.rollingUpgrade];

/**
 * The clusters whose application servers the plan changes: installs, virtual hosts, starts, stops,
 * resets, and a cluster pair's two clusters. None for the GlassFish family: there a version is
 * enabled per instance, and the rollback puts each instance's versions back itself (their start
 * record is `recordGlassfishStart`'s).
 */
export function touchedClusters(plan: Plan, estate: Estate): string[] {
  if (glassfishTypes.includes(plan.workflowType)) return [];
  const clusterOf = new Map(allServers(estate).map(({ cluster, server }) => [server.name, cluster.name]));
  const named = plan.steps.flatMap((s) => {
    switch (s.kind) {
      case 'install':
      case 'switchVirtualHost':
        return s.clusters;
      case 'servers':
      case 'resetMembers':
        return s.servers.map((n) => clusterOf.get(n) ?? '');
      default:
        return [];
    }
  });
  const pair = plan.clusters ? [plan.clusters.active, plan.clusters.incoming] : [];
  return [...new Set([...pair, ...named])].filter((c) => c !== '');
}

/** The start record of `clusters` from the admin side's reading. */
export function clusterStarts(readings: readonly ServerReading[], clusters: readonly string[]): ClusterStart[] {
  return clusters.flatMap((cluster): ClusterStart[] => {
    const members = readings.filter((r) => r.cluster === cluster);
    const first = members[0];
    if (!first) return [];
    const running = members.filter((m) => m.running).map((m) => m.name);
    const alike = members.every((m) => m.version === first.version && m.virtualHost === first.virtualHost);
    return [{
      cluster,
      version: first.version,
      virtualHost: first.virtualHost,
      running: running.length === members.length ? 'all' : running.length === 0 ? 'none' : running,
      ...(alike ? {} : { mixed: true as const }),
    }];
  });
}

/**
 * The artifact of each version a start record holds: N's is the rollback's (`previousArtifactOf`),
 * N+1's the request's; another version can be installed only from the lab's own artifacts.
 */
export function artifactsFor(request: RolloutRequest, start: readonly ClusterStart[]): Record<string, string> {
  const lab = request.artifact.startsWith('lab:');
  const known: Record<string, string> = { [request.toVersion]: request.artifact, [request.fromVersion]: previousArtifactOf(request) };
  const artifactOf = (v: string): string | undefined => known[v] ?? (lab && v ? `lab:${v}` : undefined);
  return Object.fromEntries(start.flatMap((c): [string, string][] => {
    const artifact = artifactOf(c.version);
    return artifact === undefined ? [] : [[c.version, artifact]];
  }));
}

/**
 * What differs from the start, cluster by cluster. With `versions` false (the request's
 * `rollback.reinstallPrevious: false`) only which members run is put back.
 */
export function clusterRepairs(start: readonly ClusterStart[], now: readonly ServerReading[], artifacts: Record<string, string>, versions = true): ClusterRepair[] {
  return start.flatMap((c): ClusterRepair[] => {
    const members = now.filter((r) => r.cluster === c.cluster);
    const ran = (name: string) => c.running === 'all' || (c.running !== 'none' && c.running.includes(name));
    const repair: ClusterRepair = {
      cluster: c.cluster,
      stop: members.filter((m) => m.running && !ran(m.name)).map((m) => m.name),
      start: members.filter((m) => !m.running && ran(m.name)).map((m) => m.name),
    };
    if (versions && c.mixed) repair.left = `its members held different versions or virtual hosts at the start; only which of them run is put back`;
    if (versions && !c.mixed) {
      const artifact = artifacts[c.version];
      if (members.some((m) => m.version !== c.version)) {
        if (c.version === '' || artifact === undefined) repair.left = `it held ${c.version || 'no version'} at the start, and turnout has no artifact to install it from`;
        else repair.install = { version: c.version, artifact, virtualHost: c.virtualHost };
      }
      const serving = members.filter((m) => m.running && ran(m.name));
      if (members.some((m) => m.virtualHost !== c.virtualHost) || serving.some((m) => m.runningVirtualHost !== c.virtualHost)) repair.virtualHost = c.virtualHost;
    }
    const changes = repair.stop.length + repair.start.length + (repair.install ? 1 : 0) + (repair.virtualHost ? 1 : 0);
    return changes > 0 || repair.left ? [repair] : [];
  });
}

/** A repair in words, for the event that reports it. */
export function describeRepair(r: ClusterRepair): string {
  const parts = [
    r.stop.length > 0 ? `stopped ${r.stop.join(', ')}` : '',
    r.install ? `installed ${r.install.version} under ${r.install.virtualHost}` : '',
    r.start.length > 0 ? `started ${r.start.join(', ')}` : '',
    r.virtualHost && !r.install ? `mapped to ${r.virtualHost}` : '',
    r.left ? `left as is: ${r.left}` : '',
  ].filter(Boolean);
  return `${r.cluster}: ${parts.join('; ')}`;
}
