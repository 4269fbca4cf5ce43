/**
 * The Payara domain an `asadmin` estate stands for, worked out from the estate alone (pure): the
 * cell is the domain, each cluster a deployment group, each server an instance. Also the edits the
 * lab makes to a new domain.xml before its first start, so that nothing listens beyond loopback.
 */
import { createHash } from 'node:crypto';
import type { Estate } from '../../model/estate';
import { payaraLabSchema, type PayaraLab } from '../../model/estate';

/** Payara's port offsets from a port base (`create-domain` / `create-instance --portbase`). */
export const payaraPortOffsets = { admin: 48, http: 80, https: 81, hazelcast: 90 } as const;

/** One instance of the lab domain. */
export interface PayaraInstancePlan {
  name: string;
  /** The deployment group (the estate's cluster). */
  group: string;
  /** What `-DjvmRoute` says: the suffix of its JSESSIONID after `.`. */
  jvmRoute: string;
  portBase: number;
  /** Its HTTP listener (the estate's server port). */
  httpPort: number;
  /** Its Hazelcast member port: fixed, so it stays in the lab's band. */
  hazelcastPort: number;
}

/** The lab domain of an `asadmin` estate. */
export interface PayaraDomainPlan {
  /** The domain's name: the estate's one cell. */
  domain: string;
  /** `localhost-<domain>`, the node create-domain makes. */
  node: string;
  dasPortBase: number;
  adminPort: number;
  /** Every deployment group: created with its instances when the domain is prepared. */
  groups: string[];
  /**
   * The groups of the estate's active clusters: the lab deploys to and starts these only. A dormant
   * cluster's group and instances exist in the domain but never start, hold no application and are
   * not behind the production backend (never-started instances are part of a real domain).
   */
  activeGroups: string[];
  instances: PayaraInstancePlan[];
  settings: PayaraLab;
}

/** The instances of the plan's active groups: the ones the lab deploys to and starts. */
export function activeInstances(plan: Pick<PayaraDomainPlan, 'instances' | 'activeGroups'>): PayaraInstancePlan[] {
  return plan.instances.filter((i) => plan.activeGroups.includes(i.group));
}

/** The estate cannot run as a Payara lab; every problem is named. */
export class PayaraLabEstateError extends Error {
  constructor(readonly problems: string[]) {
    super(`this estate cannot run as a Payara lab:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PayaraLabEstateError';
  }
}

const loopback = new Set(['127.0.0.1', 'localhost']);

/** Works out the lab domain of `estate`; throws {@link PayaraLabEstateError} when it does not fit. */
export function payaraDomainPlan(estate: Estate): PayaraDomainPlan {
  const problems: string[] = [];
  if (estate.appServer.driver !== 'asadmin') throw new PayaraLabEstateError([`appServer.driver is ${estate.appServer.driver}, not asadmin`]);
  const admin = new URL(estate.appServer.adminUrl);
  const adminPort = Number(admin.port || 4848);
  if (!loopback.has(admin.hostname)) problems.push(`appServer.adminUrl must be on 127.0.0.1 in the lab, not ${admin.hostname}`);
  if (estate.cells.length !== 1) problems.push(`a Payara lab is one domain: the estate has ${estate.cells.length} cells`);
  const cell = estate.cells[0];
  const instances: PayaraInstancePlan[] = (cell?.clusters ?? []).flatMap((cluster) =>
    cluster.servers.map((server) => {
      const portBase = server.port - payaraPortOffsets.http;
      if (!loopback.has(server.host)) problems.push(`${server.name}: host must be 127.0.0.1 in the lab`);
      return { name: server.name, group: cluster.name, jvmRoute: server.cloneId, portBase, httpPort: server.port, hazelcastPort: portBase + payaraPortOffsets.hazelcast };
    }),
  );
  const dasPortBase = adminPort - payaraPortOffsets.admin;
  const bases = [{ name: 'the DAS', base: dasPortBase }, ...instances.map((i) => ({ name: i.name, base: i.portBase }))];
  for (const b of bases) if (b.base < 1024 || b.base + 99 > 65535) problems.push(`${b.name}: port base ${b.base} leaves the unprivileged range`);
  bases.forEach((a, i) => {
    for (const b of bases.slice(i + 1)) if (Math.abs(a.base - b.base) < 100) problems.push(`${a.name} (port base ${a.base}) and ${b.name} (port base ${b.base}) overlap: each takes 100 ports`);
  });
  if (problems.length) throw new PayaraLabEstateError(problems);
  const domain = cell?.name as string;
  return { domain, node: `localhost-${domain}`, dasPortBase, adminPort, groups: (cell?.clusters ?? []).map((c) => c.name), activeGroups: (cell?.clusters ?? []).filter((c) => c.state === 'active').map((c) => c.name), instances, settings: estate.lab?.payara ?? payaraLabSchema.parse({}) };
}

/**
 * What the prepared domain depends on (the plan, the Payara release, the asadmin calls that shaped
 * it): equal keys make equal domains, so a prepared copy can be reused.
 */
export function payaraDomainKey(plan: PayaraDomainPlan, payaraRelease: string, commands: readonly (readonly string[])[]): string {
  return createHash('sha256').update(JSON.stringify({ plan, payaraRelease, commands, xml: 1 })).digest('hex').slice(0, 16);
}

/**
 * Binds every listener of a new domain.xml to 127.0.0.1 (create-domain binds them to every
 * interface) and keeps the Hazelcast data grid on loopback too.
 */
export function loopbackDomainXml(xml: string): string {
  return xml
    .replace(/address="0\.0\.0\.0"/g, 'address="127.0.0.1"')
    .replace(/<network-listener (?![^>]*\baddress=)/g, '<network-listener address="127.0.0.1" ')
    .replace(/<hazelcast-runtime-configuration (?![^>]*\binterface=)/g, '<hazelcast-runtime-configuration interface="127.0.0.1" das-bind-address="127.0.0.1" das-public-address="127.0.0.1" ');
}

/**
 * Gives the domain's built-in node (`localhost-<domain>`, which `update-node-config` refuses to
 * change) a node dir, so its instances live beside the domain rather than in the shared install.
 */
export function withNodeDir(xml: string, node: string, nodeDir: string): string {
  const escaped = nodeDir.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const tag = new RegExp(`<node name="${node.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"(?![^>]*\\bnode-dir=)`);
  if (!tag.test(xml)) throw new Error(`domain.xml has no node ${node} without a node-dir`);
  return xml.replace(tag, `<node name="${node}" node-dir="${escaped}"`);
}

/** Replaces every occurrence of one absolute folder with another (a prepared domain copied elsewhere). */
export function movedPaths(text: string, from: string, to: string): string {
  return text.split(from).join(to);
}

/**
 * What one config's JVMs do with a class-data-sharing archive (lab only): map a verified archive at
 * start (`use`), write one when they exit (`record`), or neither (null).
 */
export type CdsUse = { kind: 'use'; file: string } | { kind: 'record'; file: string } | null;

function jvmOptionsXml(options: readonly string[]): string {
  return options.map((o) => `        <jvm-options>${o.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</jvm-options>\n`).join('');
}

/**
 * The lab's start-up trims on a copied domain.xml (pure): per `<config>`, the data grid off and
 * automatic transaction recovery off (nothing in the lab uses either; together they cost a starting
 * instance about a third of its CPU), and the class-data-sharing options `cds` gives for that config.
 */
export function quickStartDomainXml(xml: string, cds: (config: string) => CdsUse): string {
  return xml.replace(/<config name="([^"]+)"[\s\S]*?<\/config>/g, (block, config: string) => {
    const use = cds(config);
    const options = use ? ['-XX:+AllowArchivingWithJavaAgent', use.kind === 'use' ? `-XX:SharedArchiveFile=${use.file}` : `-XX:ArchiveClassesAtExit=${use.file}`] : [];
    if (options.length && !block.includes('<jvm-options>-XX:+UnlockDiagnosticVMOptions</jvm-options>')) options.unshift('-XX:+UnlockDiagnosticVMOptions');
    return block
      .replace(/<hazelcast-config-specific-configuration\b([^>]*?)(\/?)>/g, (_t, attrs: string, close: string) => `<hazelcast-config-specific-configuration${attrs.replace(/\s+enabled="[^"]*"/, '')} enabled="false"${close}>`)
      .replace(/automatic-recovery="true"/g, 'automatic-recovery="false"')
      .replace(/([ \t]*)<\/java-config>/, (end, indent: string) => (options.length ? `${jvmOptionsXml(options)}${indent}</java-config>` : end));
  });
}
