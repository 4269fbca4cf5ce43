/**
 * `turnout lab java-clients`: runs the Java-client simulator (src/lab/java-clients.ts) against the
 * lab's naming service for a while and prints what the clients saw: which provider URL and EJB
 * binding each bootstrapped from, its calls, failures and versions.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import type { Estate } from '../../model/estate';
import { startJavaClients, type JavaClientsOptions, type JavaClientsReport } from '../../lab/java-clients';
import { CliError, ExitCode } from '../exit-codes';

/** The flags as commander hands them over. */
export interface JavaClientsCliInput {
  count?: string;
  duration?: string;
  interval?: string;
  naming?: string;
  estate?: string;
  json?: boolean;
}

const flagOf = { count: '--count', duration: '--duration', interval: '--interval', naming: '--naming' } as const;

const whole = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));

const javaClientsCliSchema = z.object({
  count: whole(1, 1000),
  duration: whole(1, 86_400),
  interval: whole(1, 60_000),
  naming: z.url({ protocol: /^https?$/, message: 'must be an http:// URL' }).optional(),
});

/** Validates the flags against the estate (for its naming URL and binding names); invalid input exits 2. */
export function parseJavaClientsCli(input: JavaClientsCliInput, estate: Estate): { options: JavaClientsOptions; durationSeconds: number; json: boolean } {
  const parsed = javaClientsCliSchema.safeParse({ count: input.count ?? '10', duration: input.duration ?? '30', interval: input.interval ?? '100', naming: input.naming });
  if (!parsed.success) {
    throw new CliError(parsed.error.issues.map((i) => `${flagOf[i.path[0] as keyof typeof flagOf] ?? String(i.path[0])}: ${i.message}`).join('\n'), ExitCode.invalidInput);
  }
  const namingUrl = parsed.data.naming ?? estate.naming?.url;
  if (!namingUrl) throw new CliError(`--naming: estate ${estate.name} has no $.naming.url; give the naming service's URL`, ExitCode.invalidInput);
  const bindings = estate.naming?.bindings ?? [];
  const provider = bindings.find((b) => b.kind === 'string');
  const ejb = bindings.find((b) => b.kind === 'indirect');
  if (!provider || !ejb) throw new CliError(`$.naming.bindings: estate ${estate.name} needs a string binding (InitialContextProvider) and an indirect one (the EJB)`, ExitCode.invalidInput);
  return {
    options: { namingUrl, count: parsed.data.count, providerBinding: provider.name, ejbBinding: ejb.name, callIntervalMs: parsed.data.interval },
    durationSeconds: parsed.data.duration,
    json: input.json === true,
  };
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length ? entries.map(([k, n]) => `${k} x${n}`).join(', ') : '-';
}

/** The report as a person reads it. */
export function renderJavaClientsReport(r: JavaClientsReport): string {
  const t = r.totals;
  const lines = [
    `java clients ${t.clients}: calls ${t.calls}, failures ${t.failures}, versions ${counts(t.versions)}`,
    ...r.clients.map(
      (c) =>
        `  #${String(c.id).padEnd(4)} ${c.endpoint.padEnd(21)} calls ${c.calls}, failures ${c.failures}, versions ${counts(c.versions)}, last ${c.lastVersion ?? '-'}` +
        ` (bootstrapped ${c.bootstrappedAt} from ${c.providerUrl}, ${c.binding})`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** Sleeps `seconds`, or less if `signal` aborts. */
function waitOrAbort(seconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, seconds * 1000);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Runs the clients for the duration (or until Ctrl-C), stops them, and prints the report. */
export async function runJavaClientsCommand(input: JavaClientsCliInput, estate: Estate): Promise<void> {
  const { options, durationSeconds, json } = parseJavaClientsCli(input, estate);
  const clients = await startJavaClients(options).catch((err: unknown) => {
    throw new CliError(`turnout lab java-clients: ${err instanceof Error ? err.message : String(err)}`, ExitCode.failure);
  });
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  process.once('SIGINT', onInterrupt);
  try {
    await waitOrAbort(durationSeconds, interrupt.signal);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await clients.stop();
  }
  const report = clients.report();
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderJavaClientsReport(report));
}

/** Registers `turnout lab java-clients` under the `lab` command; `readEstate` reads `--estate` (or the default). */
export function registerJavaClients(lab: Command, readEstate: (path: string | undefined) => Estate): void {
  lab
    .command('java-clients')
    .description('Runs simulated stand-alone Java clients: each bootstraps from the naming service once, then calls the EJB; prints what they saw.')
    .option('--count <n>', 'number of clients', '10')
    .option('--duration <s>', 'seconds to run', '30')
    .option('--interval <ms>', 'pause between one client\'s calls', '100')
    .option('--naming <url>', 'the naming service (default: the estate\'s naming.url)')
    .option('--estate <file>', 'estate file, for the naming URL and binding names (default: the package estates/lab.json)')
    .option('--json', 'print the report as JSON')
    .action((opts: JavaClientsCliInput) => runJavaClientsCommand(opts, readEstate(opts.estate)));
}
