import { join } from 'node:path';
import { ConfigError } from '../../src/config';
import { driversFor } from '../../src/drivers';
import { createPluginCfgStore } from '../../src/drivers/web-tier';
import { quoteForRemoteShell } from '../../src/drivers/web-tier/ssh-plugin-cfg-store';
import { labEstateForTest } from '../support/lab-estate';

const estate = labEstateForTest(0, join('/tmp', 'turnout-unit-plugin-cfg'));

describe('Drivers.pluginCfg', () => {
  it('finds HTTP servers of every cell by name', () => {
    expect(typeof driversFor(estate).pluginCfg('webX1').write).toBe('function');
    expect(typeof driversFor(estate).pluginCfg('webY1').read).toBe('function');
  });

  it('names the known HTTP servers when the name is unknown', () => {
    expect(() => driversFor(estate).pluginCfg('webZ9')).toThrow('no HTTP server named webZ9 in the estate (known: webX1, webY1)');
  });
});

describe('createPluginCfgStore', () => {
  const target = { kind: 'ssh', host: 'web1.example', port: 22, user: 'wasadmin', keyFile: 'keys/id_ed25519', path: '/opt/IBM/plugins/plugin-cfg.xml' } as const;
  const saved = process.env.TURNOUT_SSH_STRICT_HOST_KEY_CHECKING;
  afterEach(() => {
    if (saved === undefined) delete process.env.TURNOUT_SSH_STRICT_HOST_KEY_CHECKING;
    else process.env.TURNOUT_SSH_STRICT_HOST_KEY_CHECKING = saved;
  });

  it('rejects a bad TURNOUT_SSH_STRICT_HOST_KEY_CHECKING, naming the variable', () => {
    process.env.TURNOUT_SSH_STRICT_HOST_KEY_CHECKING = 'no';
    expect(() => createPluginCfgStore(target)).toThrow(ConfigError);
    expect(() => createPluginCfgStore(target)).toThrow('TURNOUT_SSH_STRICT_HOST_KEY_CHECKING: must be yes or accept-new, not no');
  });

  it('accepts accept-new', () => {
    process.env.TURNOUT_SSH_STRICT_HOST_KEY_CHECKING = 'accept-new';
    expect(typeof createPluginCfgStore(target).read).toBe('function');
  });
});

describe('quoteForRemoteShell', () => {
  it('single-quotes, writing each quote as close-escape-reopen', () => {
    expect(quoteForRemoteShell('/opt/plug ins/plugin-cfg.xml')).toBe(`'/opt/plug ins/plugin-cfg.xml'`);
    expect(quoteForRemoteShell(`it's $(x)`)).toBe(`'it'\\''s $(x)'`);
    expect(quoteForRemoteShell('')).toBe(`''`);
  });
});
