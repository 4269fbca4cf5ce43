/**
 * Configured JNDI bindings in a real cell (seed 002, Listing 4): cell-scoped
 * StringNameSpaceBinding and IndirectLookupNameSpaceBinding objects, read and set by wsadmin
 * scripts (`readBindingsScript`, `setBindingsScript`). Cell scope is the `cell/persistent` part of
 * the name space, so a binding's JNDI name must start with `cell/persistent/`; the rest is its
 * `nameInNameSpace`. Servers pick the change up when restarted (seed 002, step C.2).
 *
 * Plain names (`list`, `bind`, `unbind`, seed 003's resource bindings such as
 * `clusters/ClusterE/jdbc/CustomerData`) are cell-scoped StringNameSpaceBindings too, their name
 * the `nameInNameSpace`. Limit: that renames a configured string binding, not the JNDI name a
 * resource itself is bound under at cluster scope (a data source's `jndiName`), which stays as
 * its resource definition says.
 */
import { z } from 'zod';
import type { BindingValue } from '../../model/bindings';
import type { Binding, Estate } from '../../model';
import { bindNameScript, listNamesScript, readBindingsScript, setBindingsScript, unbindNameScript, WsadminInputError, type WsadminBinding } from '../wsadmin/jython';
import { createWsadminClient, type WsadminClient, type WsadminDriverOptions } from '../wsadmin/wsadmin-client';
import type { NamingDriver } from './naming';

/** Where cell-scoped configured bindings live in the name space. */
export const cellPersistentPrefix = 'cell/persistent/';

const bindingResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('string'), name: z.string(), nameInNameSpace: z.string(), stringToBind: z.string() }),
  z.object({ kind: z.literal('indirect'), name: z.string(), nameInNameSpace: z.string(), providerURL: z.string(), jndiNameToLookup: z.string() }),
]);
/** A cell-scoped binding as the scripts report it. */
type CellBinding = z.infer<typeof bindingResultSchema>;
const readResultSchema = z.object({ bindings: z.array(bindingResultSchema) });
const setResultSchema = z.object({ changed: z.array(z.string()), bindings: z.array(bindingResultSchema) });
const listNamesResultSchema = z.object({ names: z.array(z.object({ name: z.string(), value: z.string() })) });
const bindNameResultSchema = z.object({ name: z.string(), changed: z.number(), binding: bindingResultSchema });
const unbindNameResultSchema = z.object({ name: z.string(), removed: z.number() });

/** The `nameInNameSpace` of a cell-scoped binding with this JNDI name. */
export function nameInNameSpace(jndiName: string, path: string): string {
  if (!jndiName.startsWith(cellPersistentPrefix) || jndiName.length === cellPersistentPrefix.length) {
    throw new WsadminInputError(path, `${JSON.stringify(jndiName)} is not under ${cellPersistentPrefix}: wsadmin sets cell-scoped bindings only`);
  }
  return jndiName.slice(cellPersistentPrefix.length);
}

/** A binding value in wsadmin's attribute names. */
export function toWsadminBinding(v: BindingValue, path: string): WsadminBinding {
  const common = { name: v.name, nameInNameSpace: nameInNameSpace(v.jndiName, `${path}.jndiName`) };
  return v.kind === 'string' ? { kind: 'string', ...common, stringToBind: v.value } : { kind: 'indirect', ...common, providerURL: v.providerUrl, jndiNameToLookup: v.binding };
}

/** Whether the cell holds the value asked for (the binding's own `name` identifier may differ). */
function holds(b: CellBinding | undefined, w: WsadminBinding): boolean {
  if (!b || b.nameInNameSpace !== w.nameInNameSpace) return false;
  if (b.kind === 'string') return w.kind === 'string' && b.stringToBind === w.stringToBind;
  return w.kind === 'indirect' && b.providerURL === w.providerURL && b.jndiNameToLookup === w.jndiNameToLookup;
}

function fromWsadmin(b: CellBinding, name: string): BindingValue {
  const jndiName = `${cellPersistentPrefix}${b.nameInNameSpace}`;
  return b.kind === 'string' ? { kind: 'string', name, jndiName, value: b.stringToBind } : { kind: 'indirect', name, jndiName, providerUrl: b.providerURL, binding: b.jndiNameToLookup };
}

class WsadminNaming implements NamingDriver {
  constructor(
    private readonly client: WsadminClient,
    private readonly bindings: readonly Binding[],
  ) {}

  /** A name asked for: an estate binding's name or JNDI name, or any cell/persistent JNDI name. */
  private resolve(key: string, i: number): { name: string; nameInNameSpace: string } {
    const index = this.bindings.findIndex((b) => b.name === key || b.jndiName === key);
    const known = this.bindings[index];
    if (known) return { name: known.name, nameInNameSpace: nameInNameSpace(known.jndiName, `$.naming.bindings[${index}].jndiName`) };
    if (key.startsWith(cellPersistentPrefix)) return { name: key.slice(key.lastIndexOf('/') + 1), nameInNameSpace: nameInNameSpace(key, `$[${i}]`) };
    throw new WsadminInputError(`$[${i}]`, `no configured binding ${JSON.stringify(key)} in the estate`);
  }

  async read(names: readonly string[]): Promise<BindingValue[]> {
    if (names.length === 0) return [];
    const wanted = names.map((n, i) => this.resolve(n, i));
    const result = await this.client.run(readBindingsScript(wanted.map((w) => w.nameInNameSpace)), readResultSchema);
    return result.bindings.map((b, i) => fromWsadmin(b, wanted[i]?.name ?? b.name));
  }

  async set(values: readonly BindingValue[]): Promise<void> {
    if (values.length === 0) return;
    const wanted = values.map((v, i) => toWsadminBinding(v, `$[${i}]`));
    const result = await this.client.run(setBindingsScript(wanted), setResultSchema);
    // The script reads the bindings back after saving; anything else would mean it wrote elsewhere.
    const differs = wanted.filter((w, i) => !holds(result.bindings[i], w));
    if (differs.length > 0) throw new Error(`the cell still holds other values for ${differs.map((d) => d.nameInNameSpace).join(', ')}`);
  }

  async list(prefix: string): Promise<{ name: string; value: string }[]> {
    return (await this.client.run(listNamesScript(prefix), listNamesResultSchema)).names;
  }

  async bind(name: string, value: string): Promise<void> {
    const result = await this.client.run(bindNameScript(name, value), bindNameResultSchema);
    // The script reads the binding back after saving.
    if (result.binding.kind !== 'string' || result.binding.stringToBind !== value) throw new Error(`the cell still holds another value for ${name}`);
  }

  async unbind(name: string): Promise<void> {
    await this.client.run(unbindNameScript(name), unbindNameResultSchema);
  }
}

/**
 * The naming driver for an estate whose `naming.driver` is `wsadmin`; it runs through the
 * estate's wsadmin command line (`appServer`).
 */
export function createWsadminNaming(estate: Estate, opts: WsadminDriverOptions = {}): NamingDriver {
  if (estate.naming && estate.naming.driver !== 'wsadmin') throw new Error(`$.naming.driver: the wsadmin naming driver needs "wsadmin", not "${estate.naming.driver}"`);
  return new WsadminNaming(createWsadminClient(estate, opts), estate.naming?.bindings ?? []);
}
