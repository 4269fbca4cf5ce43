/** Registers every `turnout` command. One module per command (or command group). */
import type { Command } from 'commander';
import * as schema from './schema';
import * as plan from './plan';
import * as dev from './dev';
import * as worker from './worker';
import * as lab from './lab';
import * as load from './load';
import * as rollout from './rollout';
import * as pluginCfg from './plugin-cfg';
import * as loadBalancerXml from './loadbalancer-xml';
import * as schedule from './schedule';
import * as notify from './notify';
import * as stack from './stack';

/** Adds all commands to the program. */
export function registerCommands(program: Command): void {
  for (const mod of [dev, worker, plan, rollout, schedule, notify, stack, lab, load, pluginCfg, loadBalancerXml, schema]) mod.register(program);
}
