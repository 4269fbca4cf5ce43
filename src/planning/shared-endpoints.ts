/**
 * Two listeners of an estate on one host and port. A rollout that drains "server A" would count
 * or stop whatever answers there, and a sprayer that forwards to its own listener loops: either way
 * a drain, a server check or a rollback acts on something other than what it names. Pure.
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
