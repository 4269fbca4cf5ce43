/**
 * Foreign writes to the files turnout manages (issue 13): each HTTP server's plugin-cfg.xml is
 * compared with the hash of the file turnout last wrote there, and a difference is reported with a
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
import { defaultDiffLimits, editBetween, renderFileDiff } from '../src/drivers/config-file/foreign-edit';
import { pluginCfgAutomationProblems } from '../src/drivers/app-server/plugin-cfg-automation';
import { fileForStage } from './cluster-rollout';
import type { AdoptFilesInput, AdoptResult, CheckFilesInput, FileCheck, ManagedFiles, PluginCfgAutomationInput } from './rollout-types';

/** Foreign files whose diffs a status carries; more are listed by host only. */
const maxDiffs = 4;

/** What one HTTP server holds now: null bytes for a missing file; unreadable servers are left out. */
interface Found {
  host: string;
  bytes: Buffer | null;
}

const httpServers = (estate: Estate): string[] => estate.cells.flatMap((c) => c.httpServers.map((h) => h.name));

/** HTTP servers read at once: a bank of them over ssh is read in a few rounds, not one by one. */
const readsAtOnce = 8;

async function readOne(d: Drivers, host: string): Promise<Found | undefined> {
  try {
    return { host, bytes: await d.pluginCfg(host).read() };
  } catch (err) {
    // What cannot be read is not a foreign write: the next write to it will say why it failed.
    log.warn('could not read plugin-cfg.xml to compare it', { host, error: (err as Error).message });
    return undefined;
  }
}

async function readAll(d: Drivers, estate: Estate): Promise<Found[]> {
  const hosts = httpServers(estate);
  const found: Found[] = [];
  for (let i = 0; i < hosts.length; i += readsAtOnce) {
    const round = await Promise.all(hosts.slice(i, i + readsAtOnce).map((h) => readOne(d, h)));
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

/** The hosts whose files differ from `want`, grouped by what they hold, each group with one diff. */
function foreignOf(found: readonly Found[], wantText: string, want: Buffer): ForeignFile[] {
  const expectedSha256 = sha256Hex(want);
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
    const base = { file: 'plugin-cfg.xml', hosts: g.hosts, expectedSha256, foundSha256 };
    if (i >= maxDiffs) return { ...base, diff: `not shown: ${groups.size - maxDiffs} more group(s) of hosts differ` };
    const text = g.bytes === null ? null : decodePluginCfg(g.bytes);
    const routing = text === null ? undefined : routingChange(wantText, text);
    return { ...base, diff: renderFileDiff(wantText, text, defaultDiffLimits), ...(routing ? { routing } : {}) };
  });
}

/** The managed files that differ from what turnout last wrote (`expected`). */
export async function foreignFiles(d: Drivers, estate: Estate, expected: ManagedFiles): Promise<ForeignFile[]> {
  if (!expected.pluginCfg) return [];
  const wantText = fileForStage({ estate, ...expected.pluginCfg });
  return foreignOf(await readAll(d, estate), wantText, encodePluginCfg(wantText));
}

/** Builds the foreign-write and plug-in automation activities over the estate's drivers. */
export function createManagedFileActivities(drivers: (estate: Estate) => Drivers) {
  return {
    async checkManagedFiles(input: CheckFilesInput): Promise<FileCheck> {
      return { foreign: await foreignFiles(drivers(input.estate), input.estate, input.expected) };
    },

    async adoptForeignFiles(input: AdoptFilesInput): Promise<AdoptResult> {
      const { estate, expected } = input;
      if (!expected.pluginCfg) return {};
      const wantText = fileForStage({ estate, ...expected.pluginCfg });
      const now = foreignOf(await readAll(drivers(estate), estate), wantText, encodePluginCfg(wantText));
      const key = (f: Pick<ForeignFile, 'hosts' | 'foundSha256'>): string => `${[...f.hosts].sort().join(',')}=${f.foundSha256 ?? 'missing'}`;
      const seen = new Set(input.seen.map(key));
      const moved = now.filter((f) => !seen.has(key(f)));
      if (moved.length > 0 || now.length !== seen.size) {
        return { changed: `the files changed again after the diff was shown${moved.length ? ` (${moved.map((f) => f.hosts.join(', ')).join('; ')})` : ''}` };
      }
      // The first host's change is the one kept, on every HTTP server (they hold one file alike).
      const first = now.find((f) => f.foundSha256 !== null);
      if (!first) return {};
      const bytes = await drivers(estate).pluginCfg(first.hosts[0] as string).read();
      if (bytes === null || sha256Hex(bytes) !== first.foundSha256) return { changed: `${first.hosts[0]}'s plugin-cfg.xml changed again after the diff was shown` };
      const edit = editBetween(wantText, decodePluginCfg(bytes));
      if (!edit) return {};
      try {
        fileForStage({ estate, ...expected.pluginCfg, accepted: [...(expected.pluginCfg.accepted ?? []), edit] });
      } catch (err) {
        return { conflict: (err as Error).message };
      }
      return { edit };
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
