import { Command } from 'commander';
import { commandModules, commandsOfEachModule } from '../../src/cli/commands';

describe('deferred command modules', () => {
  it('map every top-level command to the module that registers it, and nothing else', () => {
    const registered = Object.entries(commandsOfEachModule(() => new Command('turnout'))).flatMap(([module, names]) => names.map((name) => [name, module]));
    expect(Object.fromEntries(registered)).toEqual(commandModules);
  });
});
