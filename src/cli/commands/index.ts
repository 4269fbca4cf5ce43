/**
 * Registers `turnout` commands. One module per command (or command group), loaded only when its
 * command runs: the Temporal worker alone takes about a second to load, and `turnout plan` should
 * not pay for it.
 */
import type { Command } from 'commander';

interface CommandModule {
  register(program: Command): void;
}

const modules = {
  dev: () => require('./dev') as CommandModule,
  worker: () => require('./worker') as CommandModule,
  plan: () => require('./plan') as CommandModule,
  rollout: () => require('./rollout') as CommandModule,
  report: () => require('./report') as CommandModule,
  schedule: () => require('./schedule') as CommandModule,
  notify: () => require('./notify') as CommandModule,
  stack: () => require('./stack') as CommandModule,
  lab: () => require('./lab') as CommandModule,
  load: () => require('./load') as CommandModule,
  pluginCfg: () => require('./plugin-cfg') as CommandModule,
  loadBalancerXml: () => require('./loadbalancer-xml') as CommandModule,
  schema: () => require('./schema') as CommandModule,
} as const;

/** The module that registers each top-level command (a test checks it against the modules). */
export const commandModules: Record<string, keyof typeof modules> = {
  dev: 'dev', worker: 'worker', plan: 'plan',
  start: 'rollout', status: 'rollout', approve: 'rollout', rollback: 'rollout', pause: 'rollout', resume: 'rollout', 'leave-as-is': 'rollout', report: 'report',
  schedule: 'schedule', notify: 'notify', stack: 'stack', lab: 'lab', load: 'load',
  'plugin-cfg': 'pluginCfg', 'loadbalancer-xml': 'loadBalancerXml', schema: 'schema',
};

/** Adds the commands to the program: only `command`'s module when it names one, else all (help lists them). */
export function registerCommands(program: Command, command?: string): void {
  const only = command === undefined ? undefined : commandModules[command];
  for (const name of only ? [only] : (Object.keys(modules) as (keyof typeof modules)[])) modules[name]().register(program);
}

/** Registers each module on its own: what each one adds, for the test that keeps {@link commandModules} true. */
export function commandsOfEachModule(make: () => Command): Record<string, string[]> {
  return Object.fromEntries(
    (Object.keys(modules) as (keyof typeof modules)[]).map((name) => {
      const program = make();
      modules[name]().register(program);
      return [name, program.commands.map((c) => c.name())];
    }),
  );
}
