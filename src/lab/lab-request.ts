/** Rollout requests for the lab, as tests, benchmarks and rehearsals start them. */
import type { Estate } from '../model';

/**
 * A multiCellRollout of the lab's userHitCount from 1.0 to 1.1 on `estate`, every gate manual;
 * `over` replaces top-level fields (drain policy, burn-in, smoke test...).
 */
export function labRolloutRequest(estate: Estate, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    procedure: 'multiCellRollout',
    app: 'userHitCount',
    fromVersion: '1.0',
    toVersion: '1.1',
    artifact: 'lab:1.1',
    estate,
    approvals: { phases: ['*'], timeoutSeconds: 3600, onTimeout: 'wait' },
    ...over,
  };
}
