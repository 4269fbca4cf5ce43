/**
 * What the three wsadmin drivers share: the estate's wsadmin command line, and running a script
 * whose result is checked against a schema before any driver reads it.
 */
import { z } from 'zod';
import type { Estate } from '../../model';
import { problemsOf } from '../../model/issues';
import { pmiMeasures, pmiScript } from './jython';
import { runWsadmin, WsadminError, type WsadminRunOptions } from './wsadmin-runner';

/** Options for the wsadmin drivers (tests point `env` at a stand-in; production leaves them unset). */
export interface WsadminDriverOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  logger?: WsadminRunOptions['logger'];
  /**
   * The application whose `<app>-<version>` names `servers()` reads versions from. Needed only
   * when a cluster holds more than one versioned application.
   */
  app?: string;
}

/** Runs turnout's scripts against one cell. */
export interface WsadminClient {
  run<S extends z.ZodType>(script: string, result: S): Promise<z.infer<S>>;
}

/** The wsadmin client for an estate whose `appServer.driver` is `wsadmin`. */
export function createWsadminClient(estate: Estate, opts: WsadminDriverOptions = {}): WsadminClient {
  const target = estate.appServer;
  if (target.driver !== 'wsadmin') throw new Error(`$.appServer.driver: the wsadmin drivers need "wsadmin", not "${target.driver}"`);
  const runOptions: WsadminRunOptions = {
    ...(opts.env ? { env: opts.env } : {}),
    ...(target.passwordEnv ? { passwordEnv: target.passwordEnv } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  };
  return {
    async run(script, result) {
      const ran = await runWsadmin(target.command, script, runOptions);
      const parsed = result.safeParse(ran.value);
      if (parsed.success) return parsed.data;
      const problems = problemsOf(parsed.error).map((p) => `${p.path}: ${p.message}`);
      throw new WsadminError(`the script's result has an unexpected shape: ${problems.join('; ')}\ncommand: ${ran.commandLine}`, ran.commandLine, problems);
    },
  };
}

/** One PMI figure per server; null where the counter is not enabled on a running server. */
export const pmiResultSchema = z.object({ statistic: z.string(), servers: z.array(z.object({ name: z.string(), state: z.string(), value: z.number().int().nonnegative().nullable() })) });

/** Reads the figure of each server; a running server without the counter is an error, not a zero. */
export function pmiFigures(result: z.infer<typeof pmiResultSchema>, hint: string): { name: string; value: number }[] {
  return result.servers.map((s) => {
    if (s.value === null) throw new Error(`PMI ${result.statistic} is not available on ${s.name}: ${hint}`);
    return { name: s.name, value: s.value };
  });
}

/** One server's PMI figure as a drain reads it: null, with why, whenever it is not known. */
export interface PmiReading {
  name: string;
  value: number | null;
  problem?: string;
}

/**
 * Reads one PMI measure per server, where unknown is never zero: a failed wsadmin run gives every
 * server null with the reason; a server missing from the answer, a running one whose counter is
 * off (`hint` says how to enable it), and one neither STARTED nor STOPPED are null too. Only a
 * server wsadmin reports STOPPED reads 0.
 */
export async function readPmi(client: WsadminClient, measure: keyof typeof pmiMeasures, servers: readonly string[], hint: string): Promise<PmiReading[]> {
  if (servers.length === 0) return [];
  let result: z.infer<typeof pmiResultSchema>;
  try {
    result = await client.run(pmiScript(measure, servers), pmiResultSchema);
  } catch (err) {
    const problem = `wsadmin could not read the ${pmiMeasures[measure].statistic}: ${(err instanceof Error ? err.message : String(err)).slice(0, 500)}`;
    return servers.map((name) => ({ name, value: null, problem }));
  }
  const figures = new Map(result.servers.map((s) => [s.name, s]));
  return servers.map((name): PmiReading => {
    const figure = figures.get(name);
    if (!figure) return { name, value: null, problem: `wsadmin's answer has no ${result.statistic} for ${name}` };
    if (figure.state === 'STOPPED') return { name, value: 0 };
    if (figure.state !== 'STARTED') return { name, value: null, problem: `${name} is ${figure.state}: neither running nor stopped` };
    if (figure.value === null) return { name, value: null, problem: `PMI ${result.statistic} is not available on ${name}: ${hint}` };
    return { name, value: figure.value };
  });
}
