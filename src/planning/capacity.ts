/**
 * The capacity check (seed 002, multi-cell: "This procedure assumes there is sufficient capacity in
 * the active cell to handle the load of the entire site"): before a cell stops taking new sessions,
 * the cells that stay open must carry the site's peak load.
 */
import type { CapacityCheck, Cell, Estate } from '../model';
import { PlanningError } from './planning-error';

function cellCapacity(cell: Cell): number | undefined {
  const servers = cell.clusters.filter((k) => k.state === 'active').flatMap((k) => k.servers);
  if (servers.some((s) => s.capacityRps === undefined)) return undefined;
  return servers.reduce((sum, s) => sum + (s.capacityRps ?? 0), 0);
}

/**
 * Checks that, with each of `cellsTakenOut` out of new-session routing in turn, the other cells carry
 * the estate's peak load. Refuses with the numbers; says plainly when nothing was declared to check.
 */
export function checkCellCapacity(estate: Estate, cellsTakenOut: readonly string[]): CapacityCheck {
  const capacities = new Map(estate.cells.map((c) => [c.name, cellCapacity(c)]));
  const peak = estate.peakLoadRps;
  const undeclared = [...capacities].filter(([, cap]) => cap === undefined).map(([name]) => name);
  if (peak === undefined || undeclared.length > 0) {
    const why = peak === undefined ? 'the estate declares no peakLoadRps' : `no capacityRps declared for the servers of cell(s) ${undeclared.join(', ')}`;
    return { checked: false, phases: [], note: `capacity not checked: ${why}` };
  }
  const phases = cellsTakenOut.map((cell) => ({
    cell,
    remainingCapacityRps: [...capacities].filter(([name]) => name !== cell).reduce((sum, [, cap]) => sum + (cap ?? 0), 0),
  }));
  const short = phases.filter((p) => p.remainingCapacityRps < peak);
  if (short.length > 0) {
    const lines = short.map((p) => `with cell ${p.cell} out, the other cells carry ${p.remainingCapacityRps} req/s`);
    throw new PlanningError(`capacity check failed: the site's peak load is ${peak} req/s, but ${lines.join('; ')}`);
  }
  const least = Math.min(...phases.map((p) => p.remainingCapacityRps));
  return { checked: true, peakLoadRps: peak, phases, note: `capacity ok: at least ${least} req/s stays open for a peak of ${peak} req/s` };
}
