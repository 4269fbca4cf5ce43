/**
 * loadbalancer.xml goes through the same configuration-file stores as plugin-cfg.xml: the store
 * contract against a local directory and a real OpenSSH server on 127.0.0.1, then one file
 * distributed to a local and an SSH load balancer and verified identical.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfigFileStore, distributeIdentical, readIdentical, type ConfigFileStoreOptions } from '../../src/drivers/config-file';
import { startTestSshd, type TestSshd } from '../support/sshd';
import { configFileStoreContract } from './config-file-store-contract';

let sshdStarted: Promise<TestSshd> | undefined;
const sshd = (): Promise<TestSshd> => (sshdStarted ??= startTestSshd());
afterAll(async () => {
  if (sshdStarted) await (await sshdStarted).stop();
});

const label: ConfigFileStoreOptions = { label: 'loadbalancer.xml' };
const sshOptions = (server: TestSshd): ConfigFileStoreOptions => ({ ...label, baseDir: server.dir, ssh: { knownHostsFile: 'known_hosts', strictHostKeyChecking: 'accept-new' } });
const sshTarget = (server: TestSshd, path: string) => ({ kind: 'ssh' as const, host: server.host, port: server.port, user: server.user, keyFile: 'client_ed25519', path });

configFileStoreContract('loadbalancer.xml, local', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-lb-xml-local-'));
  return { dir, storeAt: (name) => createConfigFileStore({ kind: 'local', path: name }, { ...label, baseDir: dir }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

configFileStoreContract('loadbalancer.xml, ssh', async () => {
  const server = await sshd();
  const dir = mkdtempSync(join(tmpdir(), 'turnout-lb-xml-ssh-'));
  return { dir, storeAt: (name) => createConfigFileStore(sshTarget(server, join(dir, name)), sshOptions(server)), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('distributeIdentical over local and ssh', () => {
  it('puts the same bytes on both load balancers and reads them back alike', async () => {
    const server = await sshd();
    const dir = mkdtempSync(join(tmpdir(), 'turnout-lb-xml-distribute-'));
    try {
      for (const lb of ['lb1', 'lb2']) mkdirSync(join(dir, lb));
      const stores = [
        { name: 'lb1', store: createConfigFileStore({ kind: 'local', path: join(dir, 'lb1', 'loadbalancer.xml') }, label) },
        { name: 'lb2', store: createConfigFileStore(sshTarget(server, join(dir, 'lb2', 'loadbalancer.xml')), sshOptions(server)) },
      ];
      const bytes = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<loadbalancer name="lab-lb">\n</loadbalancer>\n');
      expect((await distributeIdentical(stores, bytes)).changed).toEqual(['lb1', 'lb2']);
      expect(readFileSync(join(dir, 'lb2', 'loadbalancer.xml'))).toEqual(bytes);
      expect((await readIdentical(stores)).bytes).toEqual(bytes);
      expect((await distributeIdentical(stores, bytes)).changed).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
