/**
 * HAProxy as the lab's IP sprayer: finding (or installing) the binary and rendering haproxy.cfg
 * and the affinity map from the estate.
 *
 * Routing: the clone ID after the estate's `cloneIdSeparator` in JSESSIONID (`:` for WebSphere, `.`
 * for the GlassFish family's jvmRoute) is looked up in the runtime affinity map (clone ID
 * -> sprayer server) and `use-server` sends the request there. HAProxy 2.6 honours use-server for
 * a server in `drain` (it is still up), so a drained cell keeps its sessions and takes no new ones;
 * in `maint` the rule is skipped and the session fails over. Requests without a known clone ID
 * are balanced round-robin over the servers in `ready`.
 *
 * With `sprayer.routes: members` (seed 003's on-demand router) the backend's servers are the active
 * clusters' members themselves, and a `testListen` gets its own frontend and backend
 * (`<backend>_test`) with the dormant clusters' members only (the validation clone): they are never
 * servers of the production backend, so production traffic cannot reach them whatever their state.
 */
import { execFileSync, execSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Estate } from '../model/estate';
import { cloneIdSeparatorOf, initialAffinity, routesToMembers, sprayerServersOf, testSprayerServersOf, type SprayerServer } from '../drivers/sprayer/sprayer';
import { resolveFrom } from './paths';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The haproxy binary: `TURNOUT_HAPROXY_BIN`, then PATH, then /usr/sbin/haproxy. */
export function findHaproxy(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.TURNOUT_HAPROXY_BIN;
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  const onPath = (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'haproxy'));
  return [...onPath, '/usr/sbin/haproxy'].find(isExecutable);
}

/** How to get HAProxy when it is missing and turnout may not install it. */
export const haproxyInstallHint = 'HAProxy is not installed. Install it with `sudo apt-get update && sudo apt-get install -y haproxy` (Debian/Ubuntu), or point TURNOUT_HAPROXY_BIN at a haproxy binary (2.6 or later).';

/** Finds haproxy, installing Debian's package when missing and running as root; throws with a hint otherwise. */
export function ensureHaproxy(log: (line: string) => void = () => undefined): string {
  const found = findHaproxy();
  if (found) return found;
  if (process.env.TURNOUT_HAPROXY_BIN) throw new Error(`TURNOUT_HAPROXY_BIN=${process.env.TURNOUT_HAPROXY_BIN} is not an executable file. ${haproxyInstallHint}`);
  if (process.getuid?.() !== 0) throw new Error(haproxyInstallHint);
  log('haproxy not found; installing it with apt-get');
  execSync('apt-get update && apt-get install -y haproxy', { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const installed = findHaproxy();
  if (!installed) throw new Error(`apt-get ran but haproxy is still missing. ${haproxyInstallHint}`);
  return installed;
}

/** The version line of a haproxy binary (`HAProxy version 2.6.12-1 ...`). */
export function haproxyVersion(bin: string): string {
  return execFileSync(bin, ['-v'], { encoding: 'utf8' }).split('\n')[0] ?? '';
}

/** The `stats socket` address of the sprayer's Runtime API, resolved against `baseDir`. */
export function adminSocketAddress(adminSocket: string | { host: string; port: number }, baseDir?: string): string {
  return typeof adminSocket === 'string' ? resolveFrom(baseDir, adminSocket) : `ipv4@${adminSocket.host}:${adminSocket.port}`;
}

/** The affinity map file's text: one `cloneId server` line per clone ID of the estate. */
export function renderAffinityMap(estate: Estate): string {
  return Object.entries(initialAffinity(estate))
    .map(([clone, server]) => `${clone} ${server}\n`)
    .join('');
}

/**
 * The sprayer servers that start in `drain` (no new sessions): those of cells whose clusters are all
 * dormant. None in `members` mode, whose backend has active members only.
 */
export function dormantSprayerServers(estate: Estate): string[] {
  return sprayerServersOf(estate)
    .filter((s) => s.kind === 'cell' && s.cell.clusters.every((c) => c.state === 'dormant'))
    .map((s) => s.name);
}

function bindAddress(listen: { host: string; port: number }): string {
  return `${listen.host === '*' ? '127.0.0.1' : listen.host}:${listen.port}`;
}

/** A cell's HTTP servers share one weight (the plug-in weighs members); a member carries its own. */
function serverLine(s: SprayerServer): string {
  return `  server ${s.name} ${s.host}:${s.port} weight ${s.kind === 'member' ? s.server.weight : 1}`;
}

/** The HAProxy sample expression of the clone ID in a request's JSESSIONID cookie. */
export function cloneIdSample(estate: Estate): string {
  return `req.cook(JSESSIONID),field(2,${cloneIdSeparatorOf(estate)})`;
}

/**
 * The test listener of a `members` sprayer: the dormant members only, round-robin, a session kept on
 * its member by the clone ID in its cookie (matched here directly: the runtime map is production's).
 */
function testListenerLines(estate: Estate): string[] {
  const sprayer = estate.sprayer;
  if (!sprayer?.testListen || !routesToMembers(estate)) return [];
  const servers = testSprayerServersOf(estate);
  return [
    'frontend sprayer_test',
    `  bind ${bindAddress(sprayer.testListen)}`,
    `  default_backend ${sprayer.backend}_test`,
    '',
    `backend ${sprayer.backend}_test`,
    '  balance roundrobin',
    '  # The validation clone (dormant clusters), reachable only through this listener.',
    ...servers.map((s) => `  use-server ${s.name} if { ${cloneIdSample(estate)} -m str ${s.server.cloneId} }`),
    ...servers.map(serverLine),
    '',
  ];
}

/**
 * Renders haproxy.cfg for the estate's sprayer. Paths (admin socket, map) are made absolute
 * against `baseDir`, so HAProxy and the Runtime API agree on the map's name. `statsSocket` puts
 * the stats socket at that UNIX path instead of the estate's address (the lab relays a TCP one).
 */
export function renderHaproxyCfg(estate: Estate, baseDir?: string, statsSocket?: string): string {
  const sprayer = estate.sprayer;
  if (!sprayer) throw new Error(`estate ${estate.name} has no sprayer`);
  const map = resolveFrom(baseDir, sprayer.affinityMap);
  const servers = sprayerServersOf(estate);
  const lines = [
    `# haproxy.cfg for estate ${estate.name}, rendered by the turnout lab. Loopback only.`,
    'global',
    `  stats socket ${statsSocket ?? adminSocketAddress(sprayer.adminSocket, baseDir)} mode 600 level admin`,
    '  stats timeout 30s',
    '  maxconn 4096',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-keep-alive 10s',
    '  retries 3',
    // A web server that refuses the connection is retried elsewhere instead of failing the request.
    '  option redispatch',
    '  retry-on conn-failure empty-response',
    '',
    'frontend sprayer',
    `  bind ${bindAddress(sprayer.listen)}`,
    `  default_backend ${sprayer.backend}`,
    '',
    `backend ${sprayer.backend}`,
    '  balance roundrobin',
    `  # Session affinity: clone ID (after "${cloneIdSeparatorOf(estate)}" in JSESSIONID) -> sprayer server, from the runtime map.`,
    `  http-request set-var(txn.affinity) ${cloneIdSample(estate)},map(${map})`,
    ...servers.map((s) => `  use-server ${s.name} if { var(txn.affinity) -m str ${s.name} }`),
    ...servers.map(serverLine),
    '',
    ...testListenerLines(estate),
  ];
  return lines.join('\n');
}
