/**
 * The capacity check of the single-cell procedures (seed 002): the active and dormant clusters share
 * hardware, so each node needs "enough memory for all the JVMs to be running concurrently without
 * paging" (two node agents per machine in the dormant-cell variation); and at every transition
 * group, the servers taking new sessions must carry the site's peak load.
 */
import type { CapacityCheck, Estate, Server } from '../model';
import type { ClusterPair } from './clusters';
import { PlanningError } from './planning-error';

type NodeNeed = NonNullable<CapacityCheck['nodes']>[number];

/** Memory per node with both clusters running; undefined when nodes or heaps are not declared. */
function nodeNeeds(estate: Estate, pair: ClusterPair, dormantCell: boolean): NodeNeed[] | string {
  const servers = [...pair.active.servers, ...pair.incoming.servers];
  const missing = servers.filter((s) => s.node === undefined || s.heapMb === undefined).map((s) => s.name);
  if (!estate.nodes) return 'the estate declares no nodes';
  if (missing.length > 0) return `no node or heapMb declared for ${missing.join(', ')}`;
  const names = [...new Set(servers.map((s) => s.node as string))];
  return names.map((node) => {
    const def = estate.nodes?.find((n) => n.name === node);
    const heaps = servers.filter((s) => s.node === node).reduce((sum, s) => sum + (s.heapMb ?? 0), 0);
    const agents = (def?.nodeAgentHeapMb ?? 0) * (dormantCell ? 2 : 1);
    return { node, neededMb: heaps + agents, ...(def ? { memoryMb: def.memoryMb } : {}) };
  });
}

function checkMemory(needs: NodeNeed[]): void {
  const undeclared = needs.filter((n) => n.memoryMb === undefined).map((n) => n.node);
  if (undeclared.length > 0) throw new PlanningError(`capacity check failed: node(s) ${undeclared.join(', ')} run servers but are not in the estate's nodes`);
  const short = needs.filter((n) => n.neededMb > (n.memoryMb ?? 0));
  if (short.length > 0) {
    const lines = short.map((n) => `node ${n.node} needs ${n.neededMb} MiB for all its JVMs at once but has ${n.memoryMb} MiB`);
    throw new PlanningError(`capacity check failed: both clusters run at once during the transition; ${lines.join('; ')}`);
  }
}

const rps = (servers: readonly Server[]): number => servers.reduce((sum, s) => sum + (s.capacityRps ?? 0), 0);

/** Load: after each group, the servers still taking new sessions carry the peak. */
function groupPhases(estate: Estate, pair: ClusterPair, groups: { moved: Server[]; drained: Server[] }[]): CapacityCheck['phases'] | string {
  const servers = [...pair.active.servers, ...pair.incoming.servers];
  if (estate.peakLoadRps === undefined) return 'the estate declares no peakLoadRps';
  if (servers.some((s) => s.capacityRps === undefined)) return 'not every server declares capacityRps';
  const phases = groups.map((g, i) => {
    const drained = new Set(g.drained.map((s) => s.name));
    return { cell: `group-${i + 1}`, remainingCapacityRps: rps(pair.active.servers.filter((s) => !drained.has(s.name))) + rps(g.moved) };
  });
  const peak = estate.peakLoadRps;
  const short = phases.filter((p) => p.remainingCapacityRps < peak);
  if (short.length > 0) {
    throw new PlanningError(`capacity check failed: the site's peak load is ${peak} req/s, but ${short.map((p) => `after ${p.cell} the servers taking new sessions carry ${p.remainingCapacityRps} req/s`).join('; ')}`);
  }
  return phases;
}

/** Checks memory per node and load per group; refuses with the numbers, and says what was not checked. */
export function checkSharedHardware(estate: Estate, pair: ClusterPair, groups: { moved: Server[]; drained: Server[] }[], dormantCell: boolean): CapacityCheck {
  const needs = nodeNeeds(estate, pair, dormantCell);
  if (typeof needs !== 'string') checkMemory(needs);
  const phases = groupPhases(estate, pair, groups);
  const notes = [
    typeof needs === 'string' ? `memory not checked: ${needs}` : `memory ok: ${needs.map((n) => `${n.node} ${n.neededMb}/${n.memoryMb} MiB`).join(', ')}`,
    typeof phases === 'string' ? `load not checked: ${phases}` : `load ok: at least ${Math.min(...phases.map((p) => p.remainingCapacityRps))} req/s takes new sessions for a peak of ${estate.peakLoadRps} req/s`,
  ];
  return {
    checked: typeof needs !== 'string' && typeof phases !== 'string',
    ...(estate.peakLoadRps !== undefined ? { peakLoadRps: estate.peakLoadRps } : {}),
    phases: typeof phases === 'string' ? [] : phases,
    ...(typeof needs === 'string' ? {} : { nodes: needs }),
    note: notes.join('; '),
  };
}
