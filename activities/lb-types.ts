/**
 * Inputs and outputs of the loadbalancer.xml activities (seed 004). Plain data: they cross the
 * workflow boundary and are recorded in history, so workflows import this file (types only) too.
 * The file itself is small (a few KiB), so the starting bytes travel as base64.
 */
import type { Estate, LbEdit } from '../src/model';
import type { FileEdit } from '../src/drivers/config-file/foreign-edit';

/** Every load balancer's file before the procedure, which must be identical. */
export interface LbSnapshot {
  /** The common bytes, base64. */
  base64: string;
  sha256: string;
  balancers: { name: string; sha256: string }[];
}

export interface LbWriteInput {
  estate: Estate;
  /** The starting file (base64); the edits apply to it, so every write is idempotent. */
  start: string;
  edits: LbEdit[];
  /** Changes someone else made that a person approved: applied on top, in order (forward writes only). */
  accepted?: FileEdit[];
}

/** What a write did: the one sha256 every load balancer now holds, and which changed. */
export interface LbWriteResult {
  sha256: string;
  changed: string[];
}

export interface QuiescingInput {
  estate: Estate;
  start: string;
  cluster: string;
  /** The instances disabled; every instance of the cluster when absent. */
  instances?: string[];
  /** A web module's context root (`*`: every web module of the cluster) instead of instances. */
  contextRoot?: string;
}

/** The quiescing period as the load balancers will apply it: the longest timeout, plus one poll for the file to be seen. */
export interface QuiescingPeriod {
  seconds: number;
  /** How it was computed. */
  basis: string;
}

export interface QuiescedLinesInput {
  estate: Estate;
  cluster: string;
  /** The instances (or context roots) whose lines are looked for. */
  names: string[];
  /** Only lines written at or after this instant (ISO). */
  since: string;
}

/** The seed's log lines each load balancer wrote. */
export interface QuiescedLines {
  balancers: { name: string; lines: string[] }[];
}

/** The loadbalancer.xml activities. */
export interface LbActivities {
  snapshotLoadBalancerXml(estate: Estate): Promise<LbSnapshot>;
  writeLoadBalancerXml(input: LbWriteInput): Promise<LbWriteResult>;
  quiescingPeriod(input: QuiescingInput): Promise<QuiescingPeriod>;
  quiescedLines(input: QuiescedLinesInput): Promise<QuiescedLines>;
}
