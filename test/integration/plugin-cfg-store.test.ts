/**
 * The plugin-cfg store contract against both implementations: a local directory, and a real
 * OpenSSH server on 127.0.0.1 reached with the system ssh and scp. Then the SSH store's failures:
 * each names the host:port and path and carries what ssh printed, never the key.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { driversFor } from '../../src/drivers';
import { createPluginCfgStore } from '../../src/drivers/web-tier';
import { estateSchema } from '../../src/model/estate';
import type { PluginCfgStore } from '../../src/drivers/web-tier/plugin-cfg-store';
import { createSshPluginCfgStore, type SshPluginCfgStoreOptions, type SshPluginCfgTarget } from '../../src/drivers/web-tier/ssh-plugin-cfg-store';
import { freeTestSshPort, generateEd25519Key, startTestSshd, type TestSshd } from '../support/sshd';
import { pluginCfgStoreContract } from './plugin-cfg-store-contract';

/** ~/.ssh as ssh sees it (from the password database, not $HOME): every entry with its size and mtime. */
function homeSshState(): string {
  const dir = join(userInfo().homedir, '.ssh');
  if (!existsSync(dir)) return 'absent';
  return JSON.stringify(readdirSync(dir).map((name) => [name, statSync(join(dir, name)).size, statSync(join(dir, name)).mtimeMs]));
}
const homeSshBefore = homeSshState();

let sshdStarted: Promise<TestSshd> | undefined;
const sshd = (): Promise<TestSshd> => (sshdStarted ??= startTestSshd());
afterAll(async () => {
  if (sshdStarted) await (await sshdStarted).stop();
});

pluginCfgStoreContract('local', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-plugin-cfg-local-'));
  return {
    dir,
    // Relative paths resolve against baseDir, as the estate's paths do.
    storeAt: (name) => createPluginCfgStore({ kind: 'local', path: name }, { baseDir: dir }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

pluginCfgStoreContract('ssh', async () => {
  const server = await sshd();
  const dir = mkdtempSync(join(tmpdir(), 'turnout-plugin-cfg-ssh-'));
  return {
    dir,
    storeAt: (name) =>
      createPluginCfgStore(
        { kind: 'ssh', host: server.host, port: server.port, user: server.user, keyFile: 'client_ed25519', path: join(dir, name) },
        { baseDir: server.dir, ssh: { knownHostsFile: 'known_hosts', strictHostKeyChecking: 'accept-new' } },
      ),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('Drivers.pluginCfg', () => {
  it("writes the named HTTP server's plugin-cfg.xml, resolving the estate's relative path against baseDir", async () => {
    const estate = estateSchema.parse(JSON.parse(readFileSync(join(__dirname, '..', '..', 'estates', 'lab.json'), 'utf8')));
    const target = estate.cells.flatMap((c) => c.httpServers).find((h) => h.name === 'webY1')?.pluginCfg;
    if (target?.kind !== 'local' || target.path.startsWith('/')) throw new Error('estates/lab.json: webY1 should have a relative local pluginCfg path');
    const base = mkdtempSync(join(tmpdir(), 'turnout-plugin-cfg-drivers-'));
    try {
      mkdirSync(join(base, target.path, '..'), { recursive: true });
      const bytes = Buffer.from('<Config RefreshInterval="2"/>');
      await driversFor(estate, { baseDir: base }).pluginCfg('webY1').write(bytes);
      expect(readFileSync(join(base, target.path))).toEqual(bytes);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('ssh plugin-cfg store: failures', () => {
  let server: TestSshd;
  let dir: string;
  const messages: string[] = [];

  beforeAll(async () => {
    server = await sshd();
    dir = mkdtempSync(join(tmpdir(), 'turnout-plugin-cfg-ssh-errors-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const target = (over: Partial<SshPluginCfgTarget> = {}): SshPluginCfgTarget => ({
    kind: 'ssh',
    host: server.host,
    port: server.port,
    user: server.user,
    keyFile: server.keyFile,
    path: join(dir, 'plugin-cfg.xml'),
    ...over,
  });
  const store = (over: Partial<SshPluginCfgTarget> = {}, opts: SshPluginCfgStoreOptions = {}): PluginCfgStore =>
    createSshPluginCfgStore(target(over), { knownHostsFile: server.knownHostsFile, strictHostKeyChecking: 'accept-new', ...opts });
  /** The error message of `action`, which must fail. */
  const failure = async (action: Promise<unknown>): Promise<string> => {
    const err = await action.then(
      () => new Error('expected a failure, but it succeeded'),
      (e: unknown) => e,
    );
    const message = err instanceof Error ? err.message : String(err);
    expect(message).not.toBe('expected a failure, but it succeeded');
    messages.push(message);
    return message;
  };

  it('names host:port and what ssh printed when the key is not authorized', async () => {
    const wrongKey = join(server.dir, 'wrong_ed25519');
    generateEd25519Key(wrongKey);
    const message = await failure(store({ keyFile: wrongKey }).read());
    expect(message).toContain(`${server.user}@127.0.0.1:${server.port}`);
    expect(message).toMatch(/Permission denied/);
  });

  it('names host:port when nothing listens there', async () => {
    const port = await freeTestSshPort([server.port]);
    const message = await failure(store({ port }).write(Buffer.from('<Config/>')));
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toMatch(/Connection refused/);
  });

  it('refuses an unknown host key when StrictHostKeyChecking is yes, and records nothing', async () => {
    const emptyKnownHosts = join(dir, 'empty_known_hosts');
    writeFileSync(emptyKnownHosts, '');
    const message = await failure(store({}, { knownHostsFile: emptyKnownHosts, strictHostKeyChecking: 'yes' }).read());
    expect(message).toContain(`127.0.0.1:${server.port}`);
    expect(message).toMatch(/Host key verification failed/);
    expect(readFileSync(emptyKnownHosts, 'utf8')).toBe('');
  });

  it('says which remote directory is missing', async () => {
    const missing = join(dir, 'no-such-plugin-dir');
    const message = await failure(store({ path: join(missing, 'plugin-cfg.xml') }).write(Buffer.from('<Config/>')));
    expect(message).toContain(`directory ${missing} does not exist`);
    expect(message).toContain(`127.0.0.1:${server.port}`);
  });

  it('says when the key file is missing or unreadable', async () => {
    const message = await failure(store({ keyFile: join(dir, 'no-such-key') }).read());
    expect(message).toContain(`key file ${join(dir, 'no-such-key')} is missing or not readable`);
  });

  it('removes its remote temp file when the rename fails, and keeps the old file', async () => {
    const path = join(dir, 'kept', 'plugin-cfg.xml');
    mkdirSync(join(dir, 'kept'));
    const old = Buffer.from('<Config>old</Config>');
    await store({ path }).write(old);
    // Real ssh for everything, except that the rename is made to fail.
    const sshFailingMv = join(dir, 'ssh-failing-mv');
    writeFileSync(sshFailingMv, '#!/bin/sh\nfor last; do :; done\ncase "$last" in *"mv -f"*) echo "mv refused by the test" >&2; exit 1;; esac\nexec ssh "$@"\n');
    chmodSync(sshFailingMv, 0o755);
    const message = await failure(store({ path }, { sshCommand: sshFailingMv }).write(Buffer.from('<Config>new</Config>')));
    expect(message).toContain('mv refused by the test');
    expect(readdirSync(join(dir, 'kept'))).toEqual(['plugin-cfg.xml']);
    expect(readFileSync(path)).toEqual(old);
  });

  it('never shows the private key in an error', () => {
    expect(messages.length).toBeGreaterThanOrEqual(6);
    const keyBody = readFileSync(server.keyFile, 'utf8').split('\n').slice(1, -2).join('');
    for (const message of messages) {
      expect(message).not.toMatch(/PRIVATE KEY/);
      expect(message.replace(/\s/g, '')).not.toContain(keyBody.slice(0, 40));
    }
  });

  it('keeps known hosts in the given file and leaves ~/.ssh untouched', () => {
    const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${server.port}`, '-f', server.knownHostsFile], { encoding: 'utf8' });
    expect(found).toMatch(/ssh-ed25519/);
    expect(homeSshState()).toBe(homeSshBefore);
  });
});
