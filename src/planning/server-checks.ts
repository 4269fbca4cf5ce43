/**
 * "Unknown is not zero" for servers: before each phase ends and before success, every server that
 * should run N+1 by then is checked to be up and answering with it. The check is a step of the plan,
 * so people see it in `turnout plan` and Current details, and a dead server stops the rollout there.
 */
import { allServers, stepKinds, type Estate, type Step } from '../model';
import { listed } from './listed';

/** Servers that run N+1 once `steps` have run: installed with it (on whole clusters) and running. */
function onNextVersion(steps: readonly Step[], estate: Estate): string[] {
  const located = allServers(estate);
  const running = new Set(located.filter((l) => l.cluster.state === 'active').map((l) => l.server.name));
  const installed = new Set<string>();
  for (const step of steps) {
    if (step.kind === stepKinds.install) for (const l of located.filter((x) => step.clusters.includes(x.cluster.name))) installed.add(l.server.name);
    if (step.kind === stepKinds.servers && step.action === 'start') step.servers.forEach((s) => running.add(s));
    if (step.kind === stepKinds.servers && step.action === 'stop') step.servers.forEach((s) => running.delete(s));
  }
  return located.map((l) => l.server.name).filter((s) => installed.has(s) && running.has(s));
}

function checkStep(phase: string, servers: string[], version: string): Step {
  return { id: `${phase}.verify`, phase, disruptive: false, kind: stepKinds.verifyServers, servers, version, title: `Check that ${listed(servers)} are up and answer ${version}` };
}

/** Adds a server check at the end of every phase that leaves servers on `version`. Pure. */
export function withServerChecks(steps: readonly Step[], estate: Estate, version: string): Step[] {
  const out: Step[] = [];
  steps.forEach((step, i) => {
    out.push(step);
    const next = steps[i + 1];
    if (next && next.phase === step.phase) return;
    const servers = onNextVersion(steps.slice(0, i + 1), estate);
    if (servers.length > 0) out.push(checkStep(step.phase, servers, version));
  });
  return out;
}
