/**
 * The contract every naming driver passes: it reads the configured bindings' starting values, sets
 * them (idempotently) and reads back what it set, and names an unknown binding in its error; and
 * for plain names (a cluster's resource bindings, seed 003) it lists the estate's resources as
 * `clusters/<cluster>/<name>`, binds a validation clone's copies and unbinds them, idempotently.
 */
import { bindingValuesFor, type BindingValue } from '../../src/model/bindings';
import type { Estate } from '../../src/model/estate';
import type { NamingDriver } from '../../src/drivers/naming/naming';

/** A naming driver under test, over a naming service that starts with the estate's bindings for `activeCluster`. */
export interface NamingUnderTest {
  driver: NamingDriver;
  estate: Estate;
  /** The cluster the bindings point to at the start. */
  activeCluster: string;
  /** A cluster the estate has binding values for, other than the active one. */
  otherCluster: string;
  cleanup(): Promise<void>;
}

const namesOf = (values: readonly BindingValue[]) => values.map((v) => v.name);

/** The plain names an estate starts with: every cluster's resources, sorted. */
function resourceNames(estate: Estate, prefix = 'clusters/'): { name: string; value: string }[] {
  return estate.cells
    .flatMap((c) => c.clusters)
    .flatMap((c) => Object.entries(c.resources ?? {}).map(([relative, value]) => ({ name: `clusters/${c.name}/${relative}`, value })))
    .filter((n) => n.name.startsWith(prefix))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Defines the contract tests for one implementation. */
export function namingContract(name: string, factory: () => Promise<NamingUnderTest>): void {
  describe(`naming contract: ${name}`, () => {
    let sut: NamingUnderTest;

    beforeAll(async () => {
      sut = await factory();
    });
    afterAll(async () => sut?.cleanup());

    it('reads the estate starting values, in the order asked', async () => {
      const start = bindingValuesFor(sut.estate, sut.activeCluster);
      expect(start.length).toBeGreaterThanOrEqual(2);
      expect(await sut.driver.read(namesOf(start))).toEqual(start);
      expect(await sut.driver.read(namesOf(start).reverse())).toEqual([...start].reverse());
    });

    it('finds a binding by its JNDI name too', async () => {
      const [first] = bindingValuesFor(sut.estate, sut.activeCluster);
      expect(await sut.driver.read([first?.jndiName ?? ''])).toEqual([first]);
    });

    it('sets values and reads them back; setting them twice is harmless', async () => {
      const next = bindingValuesFor(sut.estate, sut.otherCluster);
      await sut.driver.set(next);
      expect(await sut.driver.read(namesOf(next))).toEqual(next);
      await sut.driver.set(next);
      expect(await sut.driver.read(namesOf(next))).toEqual(next);
      const back = bindingValuesFor(sut.estate, sut.activeCluster);
      await sut.driver.set(back);
      expect(await sut.driver.read(namesOf(back))).toEqual(back);
    });

    it('names an unknown binding in a clear error, and changes nothing', async () => {
      const start = bindingValuesFor(sut.estate, sut.activeCluster);
      await expect(sut.driver.read(['NoSuchBinding'])).rejects.toThrow(/NoSuchBinding/);
      const stray: BindingValue = { kind: 'string', name: 'NoSuchBinding', jndiName: 'cell/persistent/NoSuchBinding', value: 'corbaloc::127.0.0.1:1' };
      await expect(sut.driver.set([stray])).rejects.toThrow(/no binding named NoSuchBinding/);
      expect(await sut.driver.read(namesOf(start))).toEqual(start);
    });

    describe('plain names', () => {
      const cluster = () => sut.estate.cells.flatMap((c) => c.clusters).find((c) => Object.keys(c.resources ?? {}).length > 0);
      const clone = () => `clusters/${cluster()?.name ?? ''}-validation/`;

      it("lists the estate's cluster resources under clusters/, sorted", async () => {
        const start = resourceNames(sut.estate);
        expect(start.length).toBeGreaterThanOrEqual(2);
        expect(await sut.driver.list('clusters/')).toEqual(start);
        const own = `clusters/${cluster()?.name ?? ''}/`;
        expect(await sut.driver.list(own)).toEqual(resourceNames(sut.estate, own));
        expect(await sut.driver.list('clusters/NoSuchCluster/')).toEqual([]);
      });

      it("binds a validation clone's copies, twice without harm, and leaves the originals alone", async () => {
        const originals = resourceNames(sut.estate, `clusters/${cluster()?.name ?? ''}/`);
        const copies = originals.map((o) => ({ name: o.name.replace(/^clusters\/([^/]+)\//, clone()), value: o.value }));
        for (const c of copies) await sut.driver.bind(c.name, c.value);
        for (const c of copies) await sut.driver.bind(c.name, c.value);
        expect(await sut.driver.list(clone())).toEqual(copies);
        expect(await sut.driver.list(`clusters/${cluster()?.name ?? ''}/`)).toEqual(originals);
        const [first] = copies;
        await sut.driver.bind(first?.name ?? '', 'changed-value');
        expect((await sut.driver.list(clone()))[0]).toEqual({ name: first?.name, value: 'changed-value' });
      });

      it('unbinds them, twice without harm, back to the start', async () => {
        for (const c of await sut.driver.list(clone())) {
          await sut.driver.unbind(c.name);
          await sut.driver.unbind(c.name);
        }
        await sut.driver.unbind(`${clone()}never/bound`);
        expect(await sut.driver.list(clone())).toEqual([]);
        expect(await sut.driver.list('clusters/')).toEqual(resourceNames(sut.estate));
      });
    });

    it('refuses a value of the wrong kind for a binding', async () => {
      const [stringBinding] = bindingValuesFor(sut.estate, sut.activeCluster).filter((b) => b.kind === 'string');
      if (!stringBinding) throw new Error('the estate has no string binding');
      const wrong: BindingValue = { kind: 'indirect', name: stringBinding.name, jndiName: stringBinding.jndiName, providerUrl: 'corbaloc::127.0.0.1:1', binding: 'x' };
      await expect(sut.driver.set([wrong])).rejects.toThrow(new RegExp(`${stringBinding.name} is a string binding`));
      expect(await sut.driver.read([stringBinding.name])).toEqual([stringBinding]);
    });
  });
}
