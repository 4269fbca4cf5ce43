/**
 * The naming driver for the lab: its naming service's `GET/PUT /bindings/:name` and
 * `GET /names`, `PUT/DELETE /names/:name` (src/lab/naming-service.ts). A binding is found by its
 * name or its JNDI name.
 */
import type { BindingValue } from '../../model/bindings';
import { namingBindingSchema, plainNameSchema, type SetBinding } from '../../lab/naming-service';
import { z } from 'zod';
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

  async list(prefix: string): Promise<{ name: string; value: string }[]> {
    const answer = await httpJson<unknown>(`${this.url}/names?prefix=${encodeURIComponent(prefix)}`);
    return z.object({ names: z.array(plainNameSchema) }).parse(answer).names;
  }

  async bind(name: string, value: string): Promise<void> {
    await httpJson(this.nameUrl(name), 'PUT', { value });
  }

  async unbind(name: string): Promise<void> {
    await httpJson(this.nameUrl(name), 'DELETE');
  }

  private nameUrl(name: string): string {
    return `${this.url}/names/${encodeURIComponent(name)}`;
  }
}

/** The lab naming driver at `url` (the estate's `naming.url`). */
export function createLabNaming(url: string): NamingDriver {
  return new LabNaming(url.replace(/\/+$/, ''));
}
