/**
 * Inputs and outputs of the GlassFish family's activities (seeds 000 and 001). Plain data: they
 * cross the workflow boundary and are recorded in history, so workflows import this file (types only).
 */
import type { Estate } from '../src/model';
import type { InstanceVersions, SessionStoreReport } from '../src/drivers/app-server/app-server';

export type { InstanceVersions, SessionStoreReport };

export interface DeployVersionInput {
  estate: Estate;
  app: string;
  cluster: string;
  version: string;
  artifact: string;
  contextRoot: string;
  enabled: boolean;
  versioned: boolean;
}

export interface SwitchVersionInput {
  estate: Estate;
  app: string;
  instance: string;
  version: string;
  /** Longest wait for the instance to answer `version` through its own port after the switch. */
  checkSeconds: number;
}

/** What a switch did, as measured: how long the commands took and how long the instance did not answer. */
export interface SwitchVersionResult {
  instance: InstanceVersions;
  switchMs: number;
  /** From the switch's start to the first answer with the version. */
  answeredAfterMs: number;
}

export interface EnableInstanceInput {
  estate: Estate;
  app: string;
  instance: string;
  /** The version the instance must answer through its own port before it takes traffic. */
  version: string;
  checkSeconds: number;
  /** 0: full weight at once; more: the weight rises step by step over that many seconds. */
  rampUpSeconds: number;
}

export interface DynamicReconfigInput {
  estate: Estate;
  cluster: string;
  enabled: boolean;
}

export interface SessionStoreInput {
  estate: Estate;
  app: string;
  instance: string;
  op: 'backup' | 'restore' | 'reconcile';
}

export interface InstanceVersionsInput {
  estate: Estate;
  app: string;
  instances: string[];
}

/** What a GlassFish rollout records before its first change. */
export interface GlassfishStart {
  instances: InstanceVersions[];
  /** The cluster's dynamic reconfiguration before the rollout: what the end and a rollback put back. */
  dynamicReconfig: boolean;
}

/** The GlassFish family's activities. */
export interface GlassfishActivities {
  recordGlassfishStart(input: InstanceVersionsInput & { cluster: string }): Promise<GlassfishStart>;
  deployVersion(input: DeployVersionInput): Promise<void>;
  switchVersion(input: SwitchVersionInput): Promise<SwitchVersionResult>;
  enableInstance(input: EnableInstanceInput): Promise<InstanceVersions>;
  setDynamicReconfig(input: DynamicReconfigInput): Promise<{ before: boolean; after: boolean }>;
  sessionStore(input: SessionStoreInput): Promise<SessionStoreReport>;
  instanceVersions(input: InstanceVersionsInput): Promise<InstanceVersions[]>;
}
