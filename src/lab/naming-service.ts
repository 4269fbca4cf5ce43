/**
 * The lab naming service: the cell-persistent configured JNDI bindings (seed 002, Listing 4) over
 * HTTP JSON at estate.naming.url.
 *
 * `node dist/src/lab/naming-service.js --estate F [--parent-pid N]`
 *
 * | method and path | does |
 * |---|---|
 * | `GET /health` | `{ok: true}` |
 * | `GET /bindings` | `{bindings: NamingBinding[]}` |
 * | `GET /bindings/:name` | one binding, by its name or its JNDI name (URL-encoded) |
 * | `PUT /bindings/:name` | `{value}` for a string binding, `{providerUrl, binding}` for an indirect one; answers the binding |
 *
 * Bindings start with the value for the estate's ACTIVE cluster. Setting a value already set
 * changes nothing. State is persisted under the lab dir.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import { z } from 'zod';
import type { Estate } from '../model/estate';
import { labPaths, readEstateFile } from './paths';
import { listenOn, parseArgs, readBody, requireArg, runLabMain, sendJson, stopOnSignalsAndOrphaning, writeFileAtomic } from './process-utils';

/** A configured binding as the naming service holds it. */
export const namingBindingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('string'), name: z.string().min(1), jndiName: z.string().min(1), value: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('indirect'), name: z.string().min(1), jndiName: z.string().min(1), providerUrl: z.string().min(1), binding: z.string().min(1) }).strict(),
]);
export type NamingBinding = z.infer<typeof namingBindingSchema>;

/** Body of `PUT /bindings/:name`. */
export const setBindingSchema = z.union([
  z.object({ value: z.string().min(1) }).strict(),
  z.object({ providerUrl: z.string().min(1), binding: z.string().min(1) }).strict(),
]);
export type SetBinding = z.infer<typeof setBindingSchema>;

const stateSchema = z.object({ bindings: z.array(namingBindingSchema) }).strict();

/** The bindings of an estate with the values for its active cluster (the first active one). */
export function initialBindings(estate: Estate): NamingBinding[] {
  const active = estate.cells.flatMap((c) => c.clusters).find((c) => c.state === 'active')?.name ?? '';
  return (estate.naming?.bindings ?? []).map((b): NamingBinding => {
    if (b.kind === 'string') return { kind: 'string', name: b.name, jndiName: b.jndiName, value: b.valueByCluster[active] ?? Object.values(b.valueByCluster)[0] ?? '-' };
    return {
      kind: 'indirect',
      name: b.name,
      jndiName: b.jndiName,
      providerUrl: b.providerUrlByCluster[active] ?? Object.values(b.providerUrlByCluster)[0] ?? '-',
      binding: b.bindingByCluster[active] ?? Object.values(b.bindingByCluster)[0] ?? '-',
    };
  });
}

function applySet(binding: NamingBinding, body: SetBinding): NamingBinding {
  if (binding.kind === 'string' && 'value' in body) return { ...binding, value: body.value };
  if (binding.kind === 'indirect' && 'providerUrl' in body) return { ...binding, providerUrl: body.providerUrl, binding: body.binding };
  throw new Error(`${binding.name} is a ${binding.kind} binding: send ${binding.kind === 'string' ? '{value}' : '{providerUrl, binding}'}`);
}

function serve(bindings: NamingBinding[], persist: () => void, host: string, port: number): Promise<http.Server> {
  const find = (key: string) => bindings.findIndex((b) => b.name === key || b.jndiName === key);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const key = path.startsWith('/bindings/') ? decodeURIComponent(path.slice('/bindings/'.length)) : undefined;
    void readBody(req).then((raw) => {
      if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { ok: true, pid: process.pid });
      if (req.method === 'GET' && path === '/bindings') return sendJson(res, 200, { bindings });
      const index = key === undefined ? -1 : find(key);
      if (key === undefined) return sendJson(res, 404, { error: `no such endpoint: ${req.method} ${path}` });
      if (index < 0) return sendJson(res, 404, { error: `no binding named ${key}` });
      if (req.method === 'GET') return sendJson(res, 200, bindings[index]);
      if (req.method !== 'PUT') return sendJson(res, 405, { error: 'use GET or PUT' });
      let parsed: SetBinding;
      try {
        parsed = setBindingSchema.parse(JSON.parse(raw.toString('utf8')));
        bindings[index] = applySet(bindings[index] as NamingBinding, parsed);
      } catch (err) {
        return sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
      }
      persist();
      return sendJson(res, 200, bindings[index]);
    }, () => res.destroy());
  });
  return listenOn(server, host, port);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const estate = readEstateFile(requireArg(args, 'estate'));
  if (!estate.naming?.url) throw new Error('the estate has no naming.url');
  const file = labPaths(estate).namingState;
  const bindings = existsSync(file) ? stateSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).bindings : initialBindings(estate);
  const persist = () => writeFileAtomic(file, `${JSON.stringify({ bindings }, null, 2)}\n`);
  persist();
  const url = new URL(estate.naming.url);
  const server = await serve(bindings, persist, url.hostname, Number(url.port || 80));
  stopOnSignalsAndOrphaning([server], args['parent-pid']);
}

if (require.main === module) runLabMain('naming-service', main);
