/**
 * `turnout plugin-cfg transition|diff`: the plugin-cfg.xml a single-cell rollout would write, and
 * what it changes in routing terms. Both only read files and print; nothing is touched. Printing
 * the file lets an engineer review (or hand-apply) exactly the bytes the workflow would write.
 */
import type { Command } from 'commander';
import { decodePluginCfg, diffPluginCfg, encodePluginCfg, finalPluginCfg, mergePluginCfg, parsePluginCfgDocument, PluginCfgError, pluginCfgServers, renderPluginCfgDiff, transitionPluginCfg } from '../../drivers/plugin-cfg';
import { readConfigFileText, invalidOn } from '../config-file-input';
import { CliError, ExitCode } from '../exit-codes';

interface TransitionFlags {
  from: string;
  active: string;
  incoming: string;
  servers?: string[];
  drain?: string[];
  final?: boolean;
  merge?: string;
}

/** Reads a plugin-cfg.xml as text in the encoding its XML declaration names; a missing file is invalid input. */
const readPluginCfgFile = (file: string): Promise<string> => readConfigFileText(file, decodePluginCfg);

/** Runs a transform; a PluginCfgError (bad XML, unknown name) becomes exit 2 with `source` in front. */
const orInvalid = invalidOn(PluginCfgError);

function nameList(flag: string): (value: string) => string[] {
  return (value) => {
    const names = value
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    if (names.length === 0) throw new CliError(`${flag}: no server names in "${value}"`, ExitCode.invalidInput);
    return names;
  };
}

async function transition(flags: TransitionFlags): Promise<void> {
  if (flags.final && (flags.servers || flags.drain)) throw new CliError('--final takes no --servers or --drain: the final file has no version N servers left', ExitCode.invalidInput);
  let xml = await readPluginCfgFile(flags.from);
  if (flags.merge) {
    const other = await readPluginCfgFile(flags.merge);
    orInvalid(flags.merge, () => parsePluginCfgDocument(other));
    xml = orInvalid(flags.from, () => mergePluginCfg(xml, other));
  }
  const { active, incoming, servers, drain } = flags;
  const out = orInvalid(flags.from, () =>
    flags.final ? finalPluginCfg(xml, { active, incoming }) : transitionPluginCfg(xml, { active, incoming, ...(servers ? { servers } : {}), ...(drain ? { drain } : {}) }),
  );
  process.stdout.write(encodePluginCfg(out));
}

async function diff(a: string, b: string, opts: { json?: boolean }): Promise<void> {
  const [before, after] = [await readPluginCfgFile(a), await readPluginCfgFile(b)];
  // Each file checked on its own, so an error names the file it is in.
  orInvalid(a, () => pluginCfgServers(before));
  orInvalid(b, () => pluginCfgServers(after));
  const changes = orInvalid(`${a} -> ${b}`, () => diffPluginCfg(before, after));
  process.stdout.write(opts.json ? `${JSON.stringify(changes, null, 2)}\n` : renderPluginCfgDiff(changes));
}

/** Registers `turnout plugin-cfg`. */
export function register(program: Command): void {
  const cmd = program.command('plugin-cfg').description('Compute and compare the plugin-cfg.xml files of a single-cell rollout (seed 002). Reads files; changes nothing.');
  cmd
    .command('transition')
    .description('Print the plugin-cfg.xml the rollout would write: Listing 3 (servers moved, version N drained), or --final.')
    .requiredOption('--from <file>', 'the generated (step B) plugin-cfg.xml')
    .requiredOption('--active <cluster>', 'the ServerCluster running version N')
    .requiredOption('--incoming <cluster>', 'the ServerCluster running version N+1')
    .option('--servers <names>', 'incoming servers moved so far, comma-separated, earlier groups included (default: all)', nameList('--servers'))
    .option('--drain <names>', 'active servers set to LoadBalanceWeight 0, earlier groups included (default: all)', nameList('--drain'))
    .option('--final', "print the N+1 cluster's own file instead (step F)")
    .option('--merge <file>', "first merge this other cell's plugin-cfg.xml into --from (dormant-cell variation)")
    .action(transition);
  cmd
    .command('diff')
    .description('Show the routing changes from plugin-cfg.xml A to B.')
    .argument('<a>', 'the plugin-cfg.xml before')
    .argument('<b>', 'the plugin-cfg.xml after')
    .option('--json', 'print the changes as JSON')
    .action(diff);
}
