/**
 * A test Java client (seed 002, step B: "Some test Java clients can be configured to use test
 * bindings that point to the ClusterY servers"): calls the EJB through explicit binding values,
 * without the naming service, and reports the versions it saw. One interface; one file per
 * implementation (`lab-java-client.ts` speaks the lab's EJB endpoint).
 */
import type { BindingValue } from '../../model/bindings';

/** What a test client's calls saw. */
export interface EjbProbeResult {
  calls: number;
  /** Answers per version. */
  versions: Record<string, number>;
  /** Answers per server. */
  servers: Record<string, number>;
  failures: number;
}

/** Calls the EJB through the given bindings `calls` times. */
export interface JavaClientProbe {
  probe(bindings: readonly BindingValue[], calls: number): Promise<EjbProbeResult>;
}
