/**
 * The simulated naming service, for benchmarks: a `SimEstate`'s configured bindings (starting with
 * the first active cluster's values, as the lab's naming service does) and plain names, found by
 * name or JNDI name, with the lab service's refusals.
 */
import type { BindingValue } from '../../model/bindings';
import { namesUnder } from '../../lab/naming-service';
import { simAdminSides, type SimEstate } from '../sim/sim-estate';
import type { NamingDriver } from './naming';

class SimNaming implements NamingDriver {
  constructor(private readonly sim: SimEstate) {}

  private call<T>(fn: () => T): Promise<T> {
    return this.sim.call(simAdminSides.naming, fn);
  }

  private index(key: string): number {
    const at = this.sim.bindings.findIndex((b) => b.name === key || b.jndiName === key);
    if (at < 0) throw new Error(`the simulated naming service of ${this.sim.estate.name} has no binding named ${key}`);
    return at;
  }

  read(names: readonly string[]): Promise<BindingValue[]> {
    return this.call(() => names.map((n) => ({ ...(this.sim.bindings[this.index(n)] as BindingValue) })));
  }

  set(values: readonly BindingValue[]): Promise<void> {
    return this.call(() => {
      // One at a time, in order, as the lab's driver sets them: a refusal leaves the later ones as they were.
      for (const value of values) {
        const at = this.index(value.name);
        const current = this.sim.bindings[at] as BindingValue;
        if (current.kind !== value.kind) throw new Error(`${current.name} is a ${current.kind} binding: send ${current.kind === 'string' ? '{value}' : '{providerUrl, binding}'}`);
        this.sim.bindings[at] = { ...value, name: current.name, jndiName: current.jndiName };
      }
    });
  }

  list(prefix: string): Promise<{ name: string; value: string }[]> {
    return this.call(() => namesUnder(this.sim.names, prefix));
  }

  bind(name: string, value: string): Promise<void> {
    return this.call(() => void (this.sim.names[name] = value));
  }

  unbind(name: string): Promise<void> {
    return this.call(() => void delete this.sim.names[name]);
  }
}

/** The naming driver of a simulated estate. */
export function createSimNaming(sim: SimEstate): NamingDriver {
  return new SimNaming(sim);
}
