/**
 * Which clusters the single-cell and Java-client procedures move between (seed 002): the active
 * cluster running version N and the dormant cluster that takes N+1, on the same hardware. In the
 * dormant-cell variation the dormant cluster lives in a cell of its own (`strategy.dormantCell`).
 */
import type { Cell, Cluster, Estate, RolloutRequest, Server } from '../model';
import { PlanningError } from './planning-error';

/** The two clusters of a single-cell move, with their cells. */
export interface ClusterPair {
  active: Cluster;
  activeCell: Cell;
  incoming: Cluster;
  incomingCell: Cell;
}

function located(estate: Estate): { cell: Cell; cluster: Cluster }[] {
  return estate.cells.flatMap((cell) => cell.clusters.map((cluster) => ({ cell, cluster })));
}

function findIncoming(request: RolloutRequest, estate: Estate): { cell: Cell; cluster: Cluster } {
  const all = located(estate);
  const named = request.strategy.incomingCluster;
  if (named) {
    const hit = all.find((l) => l.cluster.name === named);
    if (!hit) throw new PlanningError(`$.strategy.incomingCluster: no cluster ${named} in estate ${estate.name}; it has ${all.map((l) => l.cluster.name).join(', ')}`);
    if (hit.cluster.state !== 'dormant') throw new PlanningError(`$.strategy.incomingCluster: ${named} is active; N+1 goes to a dormant cluster`);
    return hit;
  }
  const dormant = all.filter((l) => l.cluster.state === 'dormant' && (!request.strategy.dormantCell || l.cell.name === request.strategy.dormantCell));
  if (dormant.length !== 1) {
    throw new PlanningError(`name the dormant cluster that takes ${request.toVersion} in $.strategy.incomingCluster: the estate has ${dormant.length === 0 ? 'no dormant cluster' : `several (${dormant.map((l) => l.cluster.name).join(', ')})`}`);
  }
  return dormant[0] as { cell: Cell; cluster: Cluster };
}

function findActive(request: RolloutRequest, estate: Estate, incomingCell: Cell): { cell: Cell; cluster: Cluster } {
  const dormantCell = request.strategy.dormantCell;
  if (dormantCell && !estate.cells.some((c) => c.name === dormantCell)) throw new PlanningError(`$.strategy.dormantCell: no cell ${dormantCell} in estate ${estate.name}`);
  if (dormantCell && incomingCell.name !== dormantCell) throw new PlanningError(`$.strategy.dormantCell: the incoming cluster is in cell ${incomingCell.name}, not ${dormantCell}`);
  const candidates = located(estate).filter((l) => l.cluster.state === 'active' && (dormantCell ? l.cell.name !== dormantCell : l.cell.name === incomingCell.name));
  if (candidates.length === 1) return candidates[0] as { cell: Cell; cluster: Cluster };
  const where = dormantCell ? 'outside the dormant cell' : `in cell ${incomingCell.name}`;
  const hint = !dormantCell && candidates.length === 0 ? ` (if the dormant cluster has a cell of its own, set $.strategy.dormantCell to ${incomingCell.name})` : '';
  throw new PlanningError(`the procedure needs exactly one active cluster ${where}; found ${candidates.length}${hint}`);
}

/** The active and incoming clusters of a single-cell (or dormant-cell) move. */
export function clusterPair(request: RolloutRequest, estate: Estate): ClusterPair {
  const incoming = findIncoming(request, estate);
  const active = findActive(request, estate, incoming.cell);
  return { active: active.cluster, activeCell: active.cell, incoming: incoming.cluster, incomingCell: incoming.cell };
}

/**
 * The active servers that share a node with `incoming` (the seed's "transition nodes"), in order.
 * Without declared nodes, servers pair up by position.
 */
export function partnersOf(pair: ClusterPair, incoming: readonly Server[]): Server[] {
  const actives = pair.active.servers;
  const partners = incoming.flatMap((s) => {
    if (s.node !== undefined) return actives.filter((a) => a.node === s.node);
    const i = pair.incoming.servers.indexOf(s);
    return i >= 0 && i < actives.length ? [actives[i] as Server] : [];
  });
  return [...new Set(partners)];
}

/** Splits the incoming servers into groups: one node first, then groups of "five or so" (seed 002, step D). */
export function transitionGroups(request: RolloutRequest, servers: readonly Server[]): Server[][] {
  const { firstGroupSize, groupSize } = request.strategy;
  const groups: Server[][] = [servers.slice(0, firstGroupSize)];
  for (let i = firstGroupSize; i < servers.length; i += groupSize) groups.push(servers.slice(i, i + groupSize));
  return groups.filter((g) => g.length > 0);
}
