/**
 * `turnout loadbalancer-xml disable|enable|diff`: seed 004's hand edits of loadbalancer.xml, made
 * by the driver so the rest of the file stays byte for byte. `disable` and `enable` print the new
 * file (or, with `--out`, write it atomically and print what changed); `diff` compares two files.
 * A load balancer quiesces what is disabled at its next poll, so printing first lets a person
 * review before any load balancer sees the change.
 */
import type { Command } from 'commander';
import { ConfigFileStoreError, createLocalConfigFileStore } from '../../drivers/config-file';
import {
  decodeLoadBalancerXml,
  diffLoadBalancerXml,
  encodeLoadBalancerXml,
  LoadBalancerXmlError,
  readLoadBalancerConfig,
  renderLoadBalancerXmlDiff,
  setClusterInstancesEnabled,
  setInstanceEnabled,
  setWebModuleEnabled,
} from '../../drivers/loadbalancer-xml';
import { invalidOn, readConfigFileText } from '../config-file-input';
import { CliError, ExitCode } from '../exit-codes';

interface SwitchFlags {
  cluster: string;
  instance?: string;
  webModule?: string;
  out?: string;
}

/** Reads a loadbalancer.xml as text in the encoding its XML declaration names; a missing file is invalid input. */
const readLoadBalancerXmlFile = (file: string): Promise<string> => readConfigFileText(file, decodeLoadBalancerXml);

/** Runs an edit or a read; a LoadBalancerXmlError (bad XML, unknown name) becomes exit 2 with `source` in front. */
const orInvalid = invalidOn(LoadBalancerXmlError);

/** The edit `flags` ask for: one instance, one web module, or every instance of the cluster. */
function edit(xml: string, flags: SwitchFlags, enabled: boolean): string {
  const { cluster, instance, webModule } = flags;
  if (instance !== undefined && webModule !== undefined) throw new CliError('give --instance or --web-module, not both', ExitCode.invalidInput);
  if (instance !== undefined) return setInstanceEnabled(xml, { cluster, instance, enabled });
  if (webModule !== undefined) return setWebModuleEnabled(xml, { cluster, contextRoot: webModule, enabled });
  return setClusterInstancesEnabled(xml, cluster, enabled);
}

async function write(out: string, text: string): Promise<boolean> {
  try {
    return (await createLocalConfigFileStore(out, { label: 'loadbalancer.xml' }).write(encodeLoadBalancerXml(text))).changed;
  } catch (err) {
    if (err instanceof ConfigFileStoreError) throw new CliError(err.message, ExitCode.failure);
    throw err;
  }
}

function switchAction(enabled: boolean): (file: string, flags: SwitchFlags) => Promise<void> {
  return async (file, flags) => {
    const xml = await readLoadBalancerXmlFile(file);
    // Read in full first, so a bad attribute anywhere is reported before anything is written.
    orInvalid(file, () => readLoadBalancerConfig(xml));
    const next = orInvalid(file, () => edit(xml, flags, enabled));
    if (flags.out === undefined) return void process.stdout.write(encodeLoadBalancerXml(next));
    const changed = await write(flags.out, next);
    const summary = renderLoadBalancerXmlDiff(diffLoadBalancerXml(xml, next));
    process.stdout.write(`${summary}${changed ? `wrote ${flags.out}` : `${flags.out} already holds this file; not written`}\n`);
  };
}

async function diff(a: string, b: string, opts: { json?: boolean }): Promise<void> {
  const [before, after] = [await readLoadBalancerXmlFile(a), await readLoadBalancerXmlFile(b)];
  // Each file checked on its own, so an error names the file it is in.
  orInvalid(a, () => readLoadBalancerConfig(before));
  orInvalid(b, () => readLoadBalancerConfig(after));
  const changes = diffLoadBalancerXml(before, after);
  process.stdout.write(opts.json ? `${JSON.stringify(changes, null, 2)}\n` : renderLoadBalancerXmlDiff(changes));
}

function switchCommand(parent: Command, name: 'disable' | 'enable', description: string): void {
  parent
    .command(name)
    .description(description)
    .argument('<file>', 'the loadbalancer.xml to start from')
    .requiredOption('--cluster <name>', 'the cluster, as the file names it')
    .option('--instance <name>', 'only this instance (default: every instance of the cluster)')
    .option('--web-module <context-root>', 'this web module of the cluster instead of instances, such as /fortune')
    .option('--out <file>', 'write the result here (temp file + rename, read back) and print what changed, instead of printing the file')
    .action(switchAction(name === 'enable'));
}

/** Registers `turnout loadbalancer-xml`. */
export function register(program: Command): void {
  const cmd = program.command('loadbalancer-xml').description('Edit and compare loadbalancer.xml files of Sun ONE / GlassFish load balancers (seed 004), keeping everything else byte for byte.');
  switchCommand(cmd, 'disable', 'Set enabled="false" on instances or a web module: the load balancer quiesces them at its next poll.');
  switchCommand(cmd, 'enable', 'Set enabled="true" on instances or a web module: they take new sessions at the next poll.');
  cmd
    .command('diff')
    .description('Show what changed from loadbalancer.xml A to B, by cluster, instance, web module and attribute.')
    .argument('<a>', 'the loadbalancer.xml before')
    .argument('<b>', 'the loadbalancer.xml after')
    .option('--json', 'print the changes as JSON')
    .action(diff);
}
