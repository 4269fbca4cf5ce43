/** Where `turnout start` finds the Web UI: TURNOUT_UI_URL, else the running `turnout dev` at the address, else 8233. */
import { readFileSync } from 'node:fs';
import { devStateFile, readDevState, removeDevState, uiBaseUrl, writeDevState, type DevState } from '../../src/cli/dev-state';
import { tempDir } from '../support/temp-dir';

describe('turnout dev state', () => {
  const env = { XDG_STATE_HOME: tempDir('dev-state') };
  const state: DevState = { pid: process.pid, address: '127.0.0.1:27233', namespace: 'default', uiUrl: 'http://localhost:28233', startedAt: '2026-12-02T14:00:00.000Z', cwd: '/somewhere' };

  it('is found by the port of the address, on any loopback name, and TURNOUT_UI_URL wins', () => {
    const file = writeDevState(state, env);
    expect(file).toBe(devStateFile(27233, env));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(state);
    expect(uiBaseUrl('localhost:27233', env)).toBe('http://localhost:28233');
    expect(uiBaseUrl('127.0.0.1:27233', { ...env, TURNOUT_UI_URL: 'https://temporal.example.com/' })).toBe('https://temporal.example.com');
    expect(uiBaseUrl('127.0.0.1:7233', env)).toBe('http://localhost:8233');
    expect(uiBaseUrl('temporal.example.com:27233', env)).toBe('http://localhost:8233');
    removeDevState(file);
    expect(readDevState('127.0.0.1:27233', env)).toBeUndefined();
  });

  it('ignores the file of a turnout dev that is gone, and leaves another process its own', () => {
    const file = writeDevState({ ...state, pid: 2 ** 22 + 1 }, env);
    expect(uiBaseUrl('127.0.0.1:27233', env)).toBe('http://localhost:8233');
    removeDevState(file);
    expect(readFileSync(file, 'utf8')).toContain(`"pid": ${2 ** 22 + 1}`);
  });
});
