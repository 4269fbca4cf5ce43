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
 * | `GET /names?prefix=P` | `{names: PlainName[]}`: the plain names bound under `P` (all without it), sorted by name |
 * | `PUT /names/:name` | `{value}`: binds the name (URL-encoded, slashes and all) to a string; answers the `PlainName` |
 * | `DELETE /names/:name` | unbinds the name; `{name, removed}` says whether it was bound |
 *
 * Bindings start with the value for the estate's ACTIVE cluster. Plain names are a cluster's
 * resource bindings (seed 003: `clusters/cluster1/jdbc/CustomerData`): they start as
 * `clusters/<cluster>/<relative name>` for every cluster's `resources` in the estate, and a
 * validation clone's copies (`clusters/<cluster>-validation/...`) are bound and unbound by the
 * rollout. Setting a value already set, or removing a name not bound, changes nothing. State is
 * persisted under the lab dir.
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

/** A plain name bound to a string value (a cluster's resource binding). */
export const plainNameSchema = z.object({ name: z.string().min(1), value: z.string().min(1) }).strict();
export type PlainName = z.infer<typeof plainNameSchema>;

/** Body of `PUT /names/:name`. */
export const bindNameSchema = z.object({ value: z.string().min(1) }).strict();

/** Answer of `DELETE /names/:name`. */
export interface UnbindAnswer {
  name: string;
  removed: boolean;
}

/** The persisted state; `names` is absent in the files of labs started before plain names existed. */
const stateSchema = z.object({ bindings: z.array(namingBindingSchema), names: z.record(z.string(), z.string()).optional() }).strict();

/** Plain names: `clusters/<cluster>/<relative>` for every cluster's `resources` in the estate. */
export function initialNames(estate: Estate): Record<string, string> {
  const names: Record<string, string> = {};
  for (const cluster of estate.cells.flatMap((c) => c.clusters)) {
    for (const [relative, value] of Object.entries(cluster.resources ?? {})) names[`clusters/${cluster.name}/${relative}`] = value;
  }
  return names;
}

/** The plain names under `prefix`, sorted by name. */
export function namesUnder(names: Readonly<Record<string, string>>, prefix: string): PlainName[] {
  return Object.keys(names)
    .filter((n) => n.startsWith(prefix))
    .sort()
    .map((name) => ({ name, value: names[name] as string }));
}

/** Why a plain name cannot be bound, if it cannot: it is relative, with no empty segment. */
function badName(name: string): string | undefined {
  if (name.length === 0 || name.length > 512) return 'a name is 1 to 512 characters';
  if (name.split('/').some((segment) => segment.length === 0)) return `${JSON.stringify(name)} has an empty segment (a leading, trailing or double slash)`;
  return undefined;
}

/** Answers the `/names` endpoints; false when the path is not one of them. */
function serveNames(names: Record<string, string>, persist: () => void, req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://naming');
  if (req.method === 'GET' && url.pathname === '/names') {
    sendJson(res, 200, { names: namesUnder(names, url.searchParams.get('prefix') ?? '') });
    return true;
  }
  if (!url.pathname.startsWith('/names/')) return false;
  let name: string;
  try {
    name = decodeURIComponent(url.pathname.slice('/names/'.length));
  } catch {
    sendJson(res, 400, { error: `not a URL-encoded name: ${url.pathname}` });
    return true;
  }
  const bad = badName(name);
  if (bad) sendJson(res, 400, { error: bad });
  else if (req.method === 'PUT') {
    const parsed = bindNameSchema.safeParse(parseJson(raw));
    if (!parsed.success) {
      sendJson(res, 400, { error: `bind needs {value}: ${parsed.error.message}` });
      return true;
    }
    if (names[name] !== parsed.data.value) {
      names[name] = parsed.data.value;
      persist();
    }
    sendJson(res, 200, { name, value: parsed.data.value } satisfies PlainName);
  } else if (req.method === 'DELETE') {
    const removed = name in names;
    if (removed) {
      delete names[name];
      persist();
    }
    sendJson(res, 200, { name, removed } satisfies UnbindAnswer);
  } else sendJson(res, 405, { error: 'use PUT or DELETE' });
  return true;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

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

function serve(bindings: NamingBinding[], names: Record<string, string>, persist: () => void, host: string, port: number): Promise<http.Server> {
  const find = (key: string) => bindings.findIndex((b) => b.name === key || b.jndiName === key);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const key = path.startsWith('/bindings/') ? decodeURIComponent(path.slice('/bindings/'.length)) : undefined;
    void readBody(req).then((raw) => {
      if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { ok: true, pid: process.pid });
      if (req.method === 'GET' && path === '/bindings') return sendJson(res, 200, { bindings });
      if (serveNames(names, persist, req, raw, res)) return;
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
  const saved = existsSync(file) ? stateSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) : undefined;
  const bindings = saved?.bindings ?? initialBindings(estate);
  const names = saved?.names ?? initialNames(estate);
  const persist = () => writeFileAtomic(file, `${JSON.stringify({ bindings, names }, null, 2)}\n`);
  persist();
  const url = new URL(estate.naming.url);
  const server = await serve(bindings, names, persist, url.hostname, Number(url.port || 80));
  stopOnSignalsAndOrphaning([server], args['parent-pid']);
}

if (require.main === module) runLabMain('naming-service', main);
