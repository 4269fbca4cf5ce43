/**
 * Configured JNDI bindings (seed 002, Listing 4) as values: what the naming service holds for one
 * binding, and the values that point Java clients at one cluster. Pure, safe inside workflows.
 */
import type { Binding, Estate } from './estate';

/** One configured binding's value, as a naming driver reads and writes it. */
export type BindingValue =
  | { kind: 'string'; name: string; jndiName: string; value: string }
  | { kind: 'indirect'; name: string; jndiName: string; providerUrl: string; binding: string };

function valueFor(b: Binding, cluster: string): BindingValue | undefined {
  if (b.kind === 'string') {
    const value = b.valueByCluster[cluster];
    return value === undefined ? undefined : { kind: 'string', name: b.name, jndiName: b.jndiName, value };
  }
  const providerUrl = b.providerUrlByCluster[cluster];
  const binding = b.bindingByCluster[cluster];
  return providerUrl === undefined || binding === undefined ? undefined : { kind: 'indirect', name: b.name, jndiName: b.jndiName, providerUrl, binding };
}

/** The values of every configured binding of the estate when `cluster` is the active one. */
export function bindingValuesFor(estate: Estate, cluster: string): BindingValue[] {
  return (estate.naming?.bindings ?? []).map((b) => {
    const v = valueFor(b, cluster);
    if (!v) throw new Error(`binding ${b.name} has no value for cluster ${cluster}`);
    return v;
  });
}

/** Whether every configured binding has a value for `cluster`. */
export function hasBindingsFor(estate: Estate, cluster: string): boolean {
  return (estate.naming?.bindings ?? []).every((b) => valueFor(b, cluster) !== undefined);
}
