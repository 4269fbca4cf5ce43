/**
 * The edition rollout's capacity check (seed 003, "Avoid trouble: ... Verify that half the cluster
 * can handle the entire load during the rollout period"): at every moment of the plan, the members
 * that take new sessions must carry the declared peak. Refuses with the numbers.
 */
import type { CapacityCheck, Estate, Server } from '../model';
import type { EditionGroup } from './edition-groups';
import { PlanningError } from './planning-error';

const names = (servers: readonly Server[]): string => servers.map((s) => s.name).join(', ');
const capacity = (servers: readonly Server[]): number => servers.reduce((sum, s) => sum + (s.capacityRps ?? 0), 0);

/** Who takes new sessions at each moment: while group 1 resets (the rest, on N), then after each group (the groups done, on N+1). */
function moments(groups: readonly EditionGroup[], all: readonly Server[]): { label: string; servers: Server[] }[] {
  const first = groups[0]?.members ?? [];
  const out = [{ label: `while ${groups[0]?.phase ?? 'the first group'} resets`, servers: all.filter((s) => !first.includes(s)) }];
  groups.forEach((g, i) => {
    const done = groups.slice(0, i + 1).flatMap((x) => x.members);
    out.push({ label: `after ${g.phase}`, servers: done });
  });
  // A single member has nobody to serve while it resets: the seed's atomic rollout on one server accepts that.
  return out.filter((m) => m.servers.length > 0);
}

/** Checks every moment against the estate's peak load; says plainly when nothing was declared. */
export function checkEditionCapacity(estate: Estate, groups: readonly EditionGroup[], all: readonly Server[]): CapacityCheck {
  const peak = estate.peakLoadRps;
  const undeclared = all.filter((s) => s.capacityRps === undefined).map((s) => s.name);
  if (peak === undefined || undeclared.length > 0) {
    const why = peak === undefined ? 'the estate declares no peakLoadRps' : `no capacityRps declared for ${undeclared.join(', ')}`;
    return { checked: false, phases: [], note: `capacity not checked: ${why}` };
  }
  const checked = moments(groups, all).map((m) => ({ ...m, rps: capacity(m.servers) }));
  const short = checked.filter((m) => m.rps < peak);
  if (short.length > 0) {
    const lines = short.map((m) => `${m.label}, only ${names(m.servers)} take new sessions: ${m.rps} req/s`);
    throw new PlanningError(`capacity check failed: the declared peak is ${peak} req/s, but ${lines.join('; ')}`);
  }
  const least = Math.min(...checked.map((m) => m.rps));
  return {
    checked: true,
    peakLoadRps: peak,
    phases: checked.map((m) => ({ cell: `${m.label}: ${names(m.servers)}`, remainingCapacityRps: m.rps })),
    note: `capacity ok: at least ${least} req/s takes new sessions at every moment, for a peak of ${peak} req/s`,
  };
}
