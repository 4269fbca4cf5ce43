/**
 * Inputs and outputs of the edition rollout's activities (seed 003). Plain data: they cross the
 * workflow boundary and are recorded in history, so workflows import this file (types only) too.
 */
import type { CellRoutingState, Estate } from '../src/model';
import type { RoutingSnapshot } from './rollout-types';

export interface RouteMembersInput {
  estate: Estate;
  /** Member -> router state, set in one router change. */
  states: Record<string, CellRoutingState>;
}

export interface QuiesceInput {
  estate: Estate;
  servers: string[];
  /** Where in-flight requests are counted: at the router (HAProxy's streams per member) or in the servers. */
  at: 'router' | 'server';
  /** The longest wait; the quiesce ends earlier when nothing is in flight. */
  limitSeconds: number;
}

/** How a quiesce ended: with nothing in flight (`quiet`), or at its limit. */
export interface QuiesceResult {
  quiet: boolean;
  waitedSeconds: number;
  /** The last counts; null where a count could not be read (unknown is not zero). */
  inFlight: { name: string; inFlight: number | null; problem?: string }[];
}

export interface ResetMembersInput {
  estate: Estate;
  app: string;
  servers: string[];
  version: string;
  artifact: string;
  reset: 'soft' | 'hard';
}

/** Each member after its reset and check: `ok` only when it is up and answers `version`. */
export interface ResetMembersResult {
  members: { name: string; ok: boolean; problem?: string; pid?: number | null }[];
}

export interface ValidationBindingsInput {
  estate: Estate;
  /** The original cluster: the clone's bindings live under `clusters/<cluster>-validation/`. */
  cluster: string;
  /** `bind`: the cluster's resources under the validation names; `promote`: back to their names; `unbind`: remove the validation names. */
  action: 'bind' | 'promote' | 'unbind';
}

/** The validation names after the change. */
export interface ValidationBindingsResult {
  validation: string[];
}

/** The edition rollout's activities. */
export interface EditionActivities {
  routeMembers(input: RouteMembersInput): Promise<RoutingSnapshot>;
  quiesceMembers(input: QuiesceInput): Promise<QuiesceResult>;
  resetMembers(input: ResetMembersInput): Promise<ResetMembersResult>;
  validationBindings(input: ValidationBindingsInput): Promise<ValidationBindingsResult>;
}
