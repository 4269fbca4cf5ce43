/**
 * The naming driver: reads and sets the cell-persistent configured bindings that stand-alone Java
 * clients bootstrap from (seed 002, "Java client application transition"), and the plain names of
 * clusters' resource bindings that a validation clone renames (seed 003). One interface; one
 * file per implementation (`lab-naming.ts` for the lab's naming service, `wsadmin-naming.ts`).
 */
import type { BindingValue } from '../../model/bindings';

/** Configured JNDI bindings. Setting a value that is already set changes nothing. */
export interface NamingDriver {
  /** The current value of every named binding (by `name`), in the order asked. */
  read(names: readonly string[]): Promise<BindingValue[]>;
  /** Sets each binding to the given value; idempotent. */
  set(values: readonly BindingValue[]): Promise<void>;
  /**
   * Names bound under `prefix` (such as `clusters/ClusterE-validation/`), with their string values,
   * sorted. Plain names are a cluster's resource bindings (seed 003: a validation clone's bindings
   * carry `-validation` in the cluster segment, and are renamed back after the rollout).
   */
  list(prefix: string): Promise<{ name: string; value: string }[]>;
  /** Binds `name` to a string value; binding the same value again changes nothing. */
  bind(name: string, value: string): Promise<void>;
  /** Removes `name`; removing a name that is not bound changes nothing. */
  unbind(name: string): Promise<void>;
}
