/**
 * Two things of an estate that should be apart and are one: listeners on one host and port, a test
 * virtual host that production's aliases also match, load balancers given one file. A rollout that
 * drains "server A" would count or stop whatever answers there, a sprayer that forwards to its own
 * listener loops: either way a drain, a smoke test, a server check or a rollback acts on something
 * other than what it names. Pure.
 */
import type { Endpoint, Estate, InputProblem } from '../model';

interface Listener {
  path: string;
  what: string;
  endpoint: Endpoint;
}

function serverListeners(estate: Estate, at: string): Listener[] {
  return estate.cells.flatMap((cell, ci) => [
    ...cell.clusters.flatMap((cluster, ki) =>
      cluster.servers.flatMap((s, si) => {
        const path = `${at}.cells[${ci}].clusters[${ki}].servers[${si}]`;
        return [
          { path: `${path}.port`, what: `server ${s.name}`, endpoint: { host: s.host, port: s.port } },
          ...(s.orbPort === undefined ? [] : [{ path: `${path}.orbPort`, what: `server ${s.name}'s ORB port`, endpoint: { host: s.host, port: s.orbPort } }]),
        ];
      }),
    ),
    ...cell.httpServers.flatMap((h, hi) => {
      const path = `${at}.cells[${ci}].httpServers[${hi}]`;
      return [
        { path: `${path}.port`, what: `HTTP server ${h.name}`, endpoint: { host: h.host, port: h.port } },
        ...(h.testPort === undefined ? [] : [{ path: `${path}.testPort`, what: `HTTP server ${h.name}'s test port`, endpoint: { host: h.host, port: h.testPort } }]),
      ];
    }),
  ]);
}

function frontListeners(estate: Estate, at: string): Listener[] {
  const sprayer = estate.sprayer;
  const balancers = estate.loadBalancers?.balancers ?? [];
  return [
    ...(sprayer ? [{ path: `${at}.sprayer.listen`, what: 'the sprayer', endpoint: sprayer.listen }] : []),
    ...(sprayer?.testListen ? [{ path: `${at}.sprayer.testListen`, what: "the sprayer's test listener", endpoint: sprayer.testListen }] : []),
    ...(sprayer && typeof sprayer.adminSocket !== 'string' ? [{ path: `${at}.sprayer.adminSocket`, what: "the sprayer's Runtime API", endpoint: sprayer.adminSocket }] : []),
    ...balancers.map((b, i) => ({ path: `${at}.loadBalancers.balancers[${i}].listen`, what: `load balancer ${b.name}`, endpoint: b.listen })),
  ];
}

/** Host names compare without case; `localhost` is the loopback address the lab uses. */
function keyOf({ host, port }: Endpoint): string {
  const h = host.toLowerCase();
  return `${h === 'localhost' ? '127.0.0.1' : h}:${port}`;
}

/** Every listener that shares its host and port with an earlier one; `at` is the estate's own path (`$.estate`). */
export function sharedEndpointProblems(estate: Estate, at: string): InputProblem[] {
  const first = new Map<string, Listener>();
  return [...serverListeners(estate, at), ...frontListeners(estate, at)].flatMap((l) => {
    const key = keyOf(l.endpoint);
    const earlier = first.get(key);
    if (!earlier) return (first.set(key, l), []);
    return [{ path: l.path, message: `${l.what} listens on ${key}, as ${earlier.what} does (${earlier.path}); each must have its own host and port` }];
  });
}

/** Whether two virtual host aliases match one request: the same port, and the same host or `*`. */
function aliasesOverlap(a: { host: string; port: number }, b: { host: string; port: number }): boolean {
  return a.port === b.port && (a.host === '*' || b.host === '*' || a.host.toLowerCase() === b.host.toLowerCase());
}

/**
 * A test virtual host alias that production's also matches: N+1, installed under the test virtual
 * host to be smoke-tested first, would serve users before its smoke test.
 */
export function sharedAliasProblems(estate: Estate, at: string): InputProblem[] {
  const { production, test } = estate.virtualHosts;
  return test.aliases.flatMap((alias, i) => {
    const other = production.aliases.find((p) => aliasesOverlap(alias, p));
    if (!other) return [];
    return [{ path: `${at}.virtualHosts.test.aliases[${i}]`, message: `${alias.host}:${alias.port} is also matched by ${production.name}'s alias ${other.host}:${other.port}: what is installed under ${test.name} for its smoke test would serve users` }];
  });
}

/**
 * Two load balancers given one loadbalancer.xml: every write and its read-back ("every load balancer
 * holds the same bytes") go to one file, and the other balancer's own file is never written.
 */
export function sharedFileProblems(estate: Estate, at: string): InputProblem[] {
  const first = new Map<string, string>();
  return (estate.loadBalancers?.balancers ?? []).flatMap((b, i) => {
    const key = b.file.kind === 'ssh' ? `${b.file.host.toLowerCase()}:${b.file.path}` : `local:${b.file.path}`;
    const earlier = first.get(key);
    if (!earlier) return (first.set(key, b.name), []);
    return [{ path: `${at}.loadBalancers.balancers[${i}].file`, message: `load balancer ${b.name} is given the file of load balancer ${earlier} (${b.file.path}); each must name its own` }];
  });
}
