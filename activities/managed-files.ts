/**
 * Foreign writes to the files turnout manages (issue 13): each HTTP server's plugin-cfg.xml and
 * each load balancer's loadbalancer.xml is compared with the hash of the file turnout last wrote there, and a difference is reported with a
 * short diff for a person, never put back on its own. An approval reads the files again (they must
 * still be what the person saw) and returns the change to keep on top of turnout's files.
 *
 * Also the check before a rollout that writes plugin-cfg.xml: a WebSphere cell that regenerates and
 * propagates the file on its own would overwrite turnout's files at any moment.
 */
import { log } from '@temporalio/activity';
import type { Estate, ForeignFile } from '../src/model';
import type { Drivers } from '../src/drivers';
import { decodePluginCfg, diffPluginCfg, encodePluginCfg, renderPluginCfgDiff } from '../src/drivers/plugin-cfg';
import { sha256Hex } from '../src/drivers/config-file';
import { defaultDiffLimits, editBetween, renderFileDiff, type FileEdit } from '../src/drivers/config-file/foreign-edit';
import { pluginCfgAutomationProblems } from '../src/drivers/app-server/plugin-cfg-automation';
import { fileForStage, httpServerNames } from './cluster-rollout';
import { editedFile } from './lb-rollout';
import type { AdoptFilesInput, AdoptResult, CheckFilesInput, FileCheck, ManagedFiles, PluginCfgAutomationInput } from './rollout-types';

/** Foreign files whose diffs a status carries; more are listed by host only. */
const maxDiffs = 4;

/** What one host (an HTTP server, a load balancer) holds now: null bytes for a missing file. */
interface Found {
  host: string;
  bytes: Buffer | null;
}

/** One kind of managed file: where it is read, and the text turnout last wrote there. */
interface Managed {
  file: 'plugin-cfg.xml' | 'loadbalancer.xml';
  readers: { host: string; read: () => Promise<Buffer | null> }[];
  want: Buffer;
  decode: (bytes: Buffer) => string;
  /** plugin-cfg.xml: the change in routing terms. */
  routing?: (expected: string, found: string) => string | undefined;
}

/** Hosts read at once: a bank of HTTP servers over ssh is read in a few rounds, not one by one. */
const readsAtOnce = 8;

async function readOne(file: string, host: string, read: () => Promise<Buffer | null>): Promise<Found | undefined> {
  try {
    return { host, bytes: await read() };
  } catch (err) {
    // What cannot be read is not a foreign write: the next write to it will say why it failed.
    log.warn(`could not read ${file} to compare it`, { host, error: (err as Error).message });
    return undefined;
  }
}

async function readAll(m: Managed): Promise<Found[]> {
  const found: Found[] = [];
  for (let i = 0; i < m.readers.length; i += readsAtOnce) {
    const round = await Promise.all(m.readers.slice(i, i + readsAtOnce).map((r) => readOne(m.file, r.host, r.read)));
    found.push(...round.filter((f): f is Found => f !== undefined));
  }
  return found;
}

/** The routing change between two plugin-cfg.xml files, in a few lines; undefined when one does not parse. */
function routingChange(expected: string, found: string): string | undefined {
  try {
    const lines = renderPluginCfgDiff(diffPluginCfg(expected, found)).split('\n').filter(Boolean);
    return lines.length > 8 ? [...lines.slice(0, 8), `… ${lines.length - 8} more`].join('\n') : lines.join('\n') || undefined;
  } catch {
    return undefined;
  }
}

/** The managed files turnout wrote, as `expected` says, with where each is read. */
function managedOf(d: Drivers, estate: Estate, expected: ManagedFiles): Managed[] {
  const out: Managed[] = [];
  if (expected.pluginCfg) {
    const hosts = httpServerNames(estate);
    out.push({
      file: 'plugin-cfg.xml',
      readers: hosts.map((host) => ({ host, read: () => d.pluginCfg(host).read() })),
      want: encodePluginCfg(fileForStage({ estate, ...expected.pluginCfg })),
      decode: decodePluginCfg,
      routing: routingChange,
    });
  }
  const lb = expected.loadbalancerXml;
  if (lb && estate.loadBalancers) {
    out.push({
      file: 'loadbalancer.xml',
      readers: d.loadBalancerXmls().map((s) => ({ host: s.name, read: () => s.store.read() })),
      want: editedFile(lb.start, lb.edits, lb.accepted),
      decode: (bytes) => bytes.toString('utf8'),
    });
  }
  return out;
}

/** The hosts whose files differ from what turnout wrote, grouped by what they hold, each group with one diff. */
function foreignOf(m: Managed, found: readonly Found[]): ForeignFile[] {
  const expectedSha256 = sha256Hex(m.want);
  const wantText = m.decode(m.want);
  const groups = new Map<string, { hosts: string[]; bytes: Buffer | null }>();
  for (const f of found) {
    const sha = f.bytes === null ? null : sha256Hex(f.bytes);
    if (sha === expectedSha256) continue;
    const key = sha ?? 'missing';
    const group = groups.get(key) ?? { hosts: [], bytes: f.bytes };
    group.hosts.push(f.host);
    groups.set(key, group);
  }
  return [...groups.values()].map((g, i) => {
    const foundSha256 = g.bytes === null ? null : sha256Hex(g.bytes);
    const base = { file: m.file, hosts: g.hosts, expectedSha256, foundSha256 };
    if (i >= maxDiffs) return { ...base, diff: `not shown: ${groups.size - maxDiffs} more group(s) of hosts differ` };
    const text = g.bytes === null ? null : m.decode(g.bytes);
    const routing = text === null ? undefined : m.routing?.(wantText, text);
    return { ...base, diff: renderFileDiff(wantText, text, defaultDiffLimits), ...(routing ? { routing } : {}) };
  });
}

/** Each managed file that differs from what turnout last wrote (`expected`), with how it is read. */
async function foreignWithManaged(d: Drivers, estate: Estate, expected: ManagedFiles): Promise<{ m: Managed; f: ForeignFile }[]> {
  const out: { m: Managed; f: ForeignFile }[] = [];
  for (const m of managedOf(d, estate, expected)) out.push(...foreignOf(m, await readAll(m)).map((f) => ({ m, f })));
  return out;
}

/** The managed files that differ from what turnout last wrote (`expected`). */
export async function foreignFiles(d: Drivers, estate: Estate, expected: ManagedFiles): Promise<ForeignFile[]> {
  return (await foreignWithManaged(d, estate, expected)).map(({ f }) => f);
}

/** Whether `accepted` plus `edit` still gives a file for what turnout last wrote: the conflict, if not. */
function conflictOf(estate: Estate, expected: ManagedFiles, edit: FileEdit): string | undefined {
  try {
    if (expected.pluginCfg) fileForStage({ estate, ...expected.pluginCfg, accepted: [...(expected.pluginCfg.accepted ?? []), edit] });
    const lb = expected.loadbalancerXml;
    if (lb) editedFile(lb.start, lb.edits, [...(lb.accepted ?? []), edit]);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Builds the foreign-write and plug-in automation activities over the estate's drivers. */
export function createManagedFileActivities(drivers: (estate: Estate) => Drivers) {
  return {
    async checkManagedFiles(input: CheckFilesInput): Promise<FileCheck> {
      return { foreign: await foreignFiles(drivers(input.estate), input.estate, input.expected) };
    },

    async adoptForeignFiles(input: AdoptFilesInput): Promise<AdoptResult> {
      const { estate, expected } = input;
      const d = drivers(estate);
      const key = (f: Pick<ForeignFile, 'hosts' | 'foundSha256'>): string => `${[...f.hosts].sort().join(',')}=${f.foundSha256 ?? 'missing'}`;
      const seen = new Set(input.seen.map(key));
      const now = await foreignWithManaged(d, estate, expected);
      const moved = now.filter(({ f }) => !seen.has(key(f)));
      if (moved.length > 0 || now.length !== seen.size) {
        return { changed: `the files changed again after the diff was shown${moved.length ? ` (${moved.map(({ f }) => `${f.file} on ${f.hosts.join(', ')}`).join('; ')})` : ''}` };
      }
      // The first host's change is the one kept, on every host (they hold one file alike).
      const first = now.find(({ f }) => f.foundSha256 !== null);
      if (!first) return {};
      const host = first.f.hosts[0] as string;
      const bytes = await (first.m.readers.find((r) => r.host === host) as Managed['readers'][number]).read();
      if (bytes === null || sha256Hex(bytes) !== first.f.foundSha256) return { changed: `${host}'s ${first.m.file} changed again after the diff was shown` };
      const edit = editBetween(first.m.decode(first.m.want), first.m.decode(bytes));
      if (!edit) return {};
      const conflict = conflictOf(estate, expected, edit);
      return conflict ? { conflict } : { edit };
    },

    async checkPluginCfgAutomation(input: PluginCfgAutomationInput): Promise<string[]> {
      const admin = drivers(input.estate).appServer();
      const problems: string[] = [];
      for (const cell of input.cells) {
        if (!admin.pluginCfgAutomation) continue;
        try {
          problems.push(...pluginCfgAutomationProblems(await admin.pluginCfgAutomation(cell)));
        } catch (err) {
          problems.push(`cell ${cell}: cannot tell whether WebSphere regenerates plugin-cfg.xml on its own (unknown is refused): ${(err as Error).message.slice(0, 300)}`);
        }
      }
      return problems;
    },
  };
}
