/** The plan as a person reads it: a numbered list, grouped by phase. Pure, so workflows use it too. */
import type { Plan, Step } from '../model';
import { formatDuration } from './edition-estimate';

function detail(step: Step): string {
  return step.kind === 'approval' ? `  [${step.gate}] ${step.question}` : '';
}

/** Renders a plan as numbered lines with a header, for `turnout plan` and Current details. */
export function renderPlanText(plan: Plan): string {
  const width = String(plan.steps.length).length;
  const lines = [`${plan.workflowType} for ${plan.target}: ${plan.app} ${plan.fromVersion} -> ${plan.toVersion}, ${plan.steps.length} steps`, plan.capacity.note];
  let phase = '';
  plan.steps.forEach((step, i) => {
    if (step.phase !== phase) lines.push('', `${(phase = step.phase)}:`);
    lines.push(`  ${String(i + 1).padStart(width)}. ${step.title}${step.disruptive ? '  (disruptive)' : ''}${detail(step)}`);
  });
  const routing = Object.entries(plan.finalRouting).map(([cell, state]) => `${cell} ${state}`);
  if (routing.length > 0) lines.push('', `final routing: ${routing.join(', ')}`);
  if (plan.estimate) lines.push('', 'duration estimate:', `  seed 003's formula: ${formatDuration(plan.estimate.seedSeconds)}`, `  turnout:            ${formatDuration(plan.estimate.turnoutSeconds)}`, ...plan.estimate.basis.map((b) => `  (${b})`));
  if (plan.clusters) lines.push('', `moves ${plan.app} from ${plan.clusters.active} (${plan.fromVersion}) to ${plan.clusters.incoming} (${plan.toVersion})`);
  for (const { phase: p, route } of plan.rollbackRoutes ?? []) {
    lines.push('', `rollback during ${p} (at its furthest point):`, ...(route.length > 0 ? route.map((line, i) => `  ${i + 1}. ${line}`) : ['  nothing to undo']));
  }
  return `${lines.join('\n')}\n`;
}
