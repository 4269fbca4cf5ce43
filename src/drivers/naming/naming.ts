/**
 * The naming driver: reads and sets the cell-persistent configured bindings that stand-alone Java
 * clients bootstrap from (seed 002, "Java client application transition"). One interface; one
 * file per implementation (`lab-naming.ts` for the lab's naming service, `wsadmin-naming.ts`).
 */
import type { BindingValue } from '../../model/bindings';

/** Configured JNDI bindings. Setting a value that is already set changes nothing. */
export interface NamingDriver {
  /** The current value of every named binding (by `name`), in the order asked. */
  read(names: readonly string[]): Promise<BindingValue[]>;
  /** Sets each binding to the given value; idempotent. */
  set(values: readonly BindingValue[]): Promise<void>;
}
