/**
 * The edition rollout's cluster and groups (seed 003): which cluster the edition rolls over, and in
 * which groups its members take the new edition. Pure.
 */
import type { Cell, Cluster, Estate, RolloutRequest, Server } from '../model';
import { editionSettingsSchema, type EditionSettings } from '../model/request';
import { PlanningError } from './planning-error';

/** One group of members, named after its phase. */
export interface EditionGroup {
  /** The phase name: `first-half` / `second-half` (atomic), `group-N` (grouped). */
  phase: string;
  members: Server[];
}

/** The cluster an edition rolls over, its cell, and the validation clone if any. */
export interface EditionTarget {
  cell: Cell;
  cluster: Cluster;
  clone?: Cluster;
}

/** The request's edition settings, with the seed's defaults when it gave none. */
export function editionSettingsOf(request: RolloutRequest): EditionSettings {
  return request.edition ?? editionSettingsSchema.parse({});
}

function locate(estate: Estate, name: string): { cell: Cell; cluster: Cluster } | undefined {
  for (const cell of estate.cells) for (const cluster of cell.clusters) if (cluster.name === name) return { cell, cluster };
  return undefined;
}

/** Finds the cluster (and clone) of the request; refuses with the names that exist. */
export function editionTarget(request: RolloutRequest, estate: Estate): EditionTarget {
  const settings = editionSettingsOf(request);
  const active = estate.cells.flatMap((cell) => cell.clusters.filter((k) => k.state === 'active').map((cluster) => ({ cell, cluster })));
  const known = estate.cells.flatMap((c) => c.clusters.map((k) => k.name)).join(', ');
  let found: { cell: Cell; cluster: Cluster } | undefined;
  if (settings.cluster !== undefined) {
    found = locate(estate, settings.cluster);
    if (!found) throw new PlanningError(`$.edition.cluster: no cluster ${settings.cluster} in estate ${estate.name} (it has ${known})`);
    if (found.cluster.state !== 'active') throw new PlanningError(`$.edition.cluster: ${settings.cluster} is dormant; an edition rolls over a running cluster`);
  } else {
    if (active.length !== 1) throw new PlanningError(`$.edition.cluster: estate ${estate.name} has ${active.length} active clusters (${active.map((a) => a.cluster.name).join(', ') || 'none'}); name the one to roll`);
    found = active[0];
  }
  if (!found) throw new PlanningError(`$.edition.cluster: no cluster to roll in estate ${estate.name}`);
  if (estate.sprayer?.routes !== 'members') throw new PlanningError("$.estate.sprayer.routes: the edition rollout needs the router in front of the members (`routes: \"members\"`), so a member can stop taking new sessions while it keeps its own");
  if (!settings.validation) return found;
  const clone = locate(estate, settings.validation.clone);
  if (!clone) throw new PlanningError(`$.edition.validation.clone: no cluster ${settings.validation.clone} in estate ${estate.name} (it has ${known})`);
  if (clone.cluster.state !== 'dormant') throw new PlanningError(`$.edition.validation.clone: ${clone.cluster.name} is active; the validation clone must be a dormant cluster`);
  if (!estate.sprayer.testListen) throw new PlanningError('$.estate.sprayer.testListen: validation mode reaches the clone only through the router\'s test listener; the estate has none');
  return { ...found, clone: clone.cluster };
}

/** The groups, in rollout order: halves for atomic (one group for a single member), `groupSize` chunks for grouped. */
export function editionGroups(request: RolloutRequest, cluster: Cluster): EditionGroup[] {
  const settings = editionSettingsOf(request);
  const members = cluster.servers;
  if (settings.rolloutType === 'atomic') {
    if (members.length === 1) return [{ phase: 'first-half', members }];
    const half = Math.ceil(members.length / 2);
    return [
      { phase: 'first-half', members: members.slice(0, half) },
      { phase: 'second-half', members: members.slice(half) },
    ];
  }
  const groups: EditionGroup[] = [];
  for (let i = 0; i < members.length; i += settings.groupSize) groups.push({ phase: `group-${groups.length + 1}`, members: members.slice(i, i + settings.groupSize) });
  return groups;
}
