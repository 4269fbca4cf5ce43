/**
 * Whether a WebSphere cell would overwrite the plugin-cfg.xml files turnout writes: its web
 * servers' plug-in properties, as the wsadmin driver reads them. Pure.
 */
import type { PluginCfgAutomation } from './app-server';

/** Where a person turns both off, in the administrative console. */
const consolePath = 'Servers > Server Types > Web servers > <web server> > Plug-in properties: clear "Automatically generate the plug-in configuration file" and "Automatically propagate plug-in configuration file"';

/**
 * Why turnout may not write plugin-cfg.xml into the cell: one line per web server whose generation
 * or propagation is anything but `MANUAL` (automatic, or unknown: unknown is refused). A cell
 * without web server definitions has nothing to regenerate for: no problem.
 */
export function pluginCfgAutomationProblems(read: PluginCfgAutomation): string[] {
  const problems = read.webServers.flatMap((w) => {
    const on = [
      w.generation !== 'MANUAL' ? `PluginGeneration is ${w.generation ?? 'unknown'}` : '',
      w.propagation !== 'MANUAL' ? `PluginPropagation is ${w.propagation ?? 'unknown'}` : '',
    ].filter(Boolean);
    return on.length > 0 ? [`cell ${read.cell}: web server ${w.node}/${w.name}: ${on.join(', ')}, so WebSphere may rewrite plugin-cfg.xml under the rollout`] : [];
  });
  return problems.length > 0 ? [...problems, `turn it off first (${consolePath}), then start again`] : [];
}
