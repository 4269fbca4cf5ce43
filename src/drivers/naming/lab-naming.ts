/**
 * The naming driver for the lab: its naming service's `GET/PUT /bindings/:name`
 * (src/lab/naming-service.ts). A binding is found by its name or its JNDI name.
 */
import type { BindingValue } from '../../model/bindings';
import { namingBindingSchema, type SetBinding } from '../../lab/naming-service';
import { HttpStatusError, httpJson } from '../http-json';
import type { NamingDriver } from './naming';

function bodyOf(value: BindingValue): SetBinding {
  return value.kind === 'string' ? { value: value.value } : { providerUrl: value.providerUrl, binding: value.binding };
}

class LabNaming implements NamingDriver {
  constructor(private readonly url: string) {}

  private async call(name: string, method: 'GET' | 'PUT', body?: SetBinding): Promise<BindingValue> {
    const url = `${this.url}/bindings/${encodeURIComponent(name)}`;
    try {
      return namingBindingSchema.parse(await httpJson<unknown>(url, method, body));
    } catch (err) {
      if (err instanceof HttpStatusError && err.status === 404) throw new Error(`naming service ${this.url} has no binding named ${name}`);
      throw err;
    }
  }

  read(names: readonly string[]): Promise<BindingValue[]> {
    return Promise.all(names.map((name) => this.call(name, 'GET')));
  }

  async set(values: readonly BindingValue[]): Promise<void> {
    // One at a time, in order: a failure leaves the earlier bindings set and the later ones as they were.
    for (const value of values) await this.call(value.name, 'PUT', bodyOf(value));
  }
}

/** The lab naming driver at `url` (the estate's `naming.url`). */
export function createLabNaming(url: string): NamingDriver {
  return new LabNaming(url.replace(/\/+$/, ''));
}
