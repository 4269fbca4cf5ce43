/**
 * The Payara Server install the lab runs: found under the machine cache
 * (`~/.cache/turnout/payara/<release>/payara6`, or `TURNOUT_PAYARA_HOME`), unpacked there from the
 * distribution zip in the local Maven repository, which Maven fetches from Maven Central when it is
 * missing. One install per machine, at one path, whatever the checkout: what the lab's JVMs cache
 * about it (class-data-sharing archives, OSGi caches) stays valid for every clone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { machineCacheDir } from '../../paths';

/** The Payara Server release the lab is built and tested against. */
export const payaraVersion = '6.2025.9';

/** Maven coordinates of its distribution zip. */
export const payaraArtifact = `fish.payara.distributions:payara:${payaraVersion}:zip`;

/** Where the lab's Payara install is: `TURNOUT_PAYARA_HOME`, else `<machine cache>/payara/<release>/payara6`. */
export function payaraHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TURNOUT_PAYARA_HOME || path.join(machineCacheDir(env), 'payara', payaraVersion, 'payara6');
}

/** The install's asadmin script. */
export function asadminBin(home = payaraHome()): string {
  return path.join(home, 'bin', 'asadmin');
}

/** The Servlet API jar the lab application compiles against (the install's own). */
export function servletApiJar(home = payaraHome()): string {
  return path.join(home, 'glassfish', 'modules', 'jakarta.servlet-api.jar');
}

/** Where Maven keeps the distribution zip: under `TURNOUT_MAVEN_REPO`, else `~/.m2/repository` (where `mvn dependency:get` puts it). */
export function payaraZipPath(env: NodeJS.ProcessEnv = process.env): string {
  const repo = env.TURNOUT_MAVEN_REPO || path.join(homedir(), '.m2', 'repository');
  return path.join(repo, 'fish', 'payara', 'distributions', 'payara', payaraVersion, `payara-${payaraVersion}.zip`);
}

/** How to get Payara by hand when provisioning cannot. */
export const payaraInstallHint = `Payara Server ${payaraVersion} is missing. Run \`node scripts/provision.js\` (it needs mvn and unzip), or unpack payara-${payaraVersion}.zip yourself and point TURNOUT_PAYARA_HOME at its payara6 folder.`;

/**
 * Returns the Payara install, unpacking it when it is missing: `mvn dependency:get` fetches the zip
 * into the local repository if needed, and it is unzipped into a temporary folder that is renamed
 * into place, so a half-unpacked install is never taken for a whole one.
 */
export function ensurePayara(log: (line: string) => void = () => undefined, env: NodeJS.ProcessEnv = process.env): string {
  const home = payaraHome(env);
  if (existsSync(asadminBin(home))) return home;
  if (env.TURNOUT_PAYARA_HOME) throw new Error(`TURNOUT_PAYARA_HOME=${env.TURNOUT_PAYARA_HOME} has no bin/asadmin. ${payaraInstallHint}`);
  const zip = payaraZipPath(env);
  if (!existsSync(zip)) {
    log(`payara: fetching ${payaraArtifact} with mvn`);
    try {
      execFileSync('mvn', ['-q', '-B', 'dependency:get', `-Dartifact=${payaraArtifact}`, '-Dtransitive=false'], { stdio: ['ignore', 'inherit', 'inherit'], env });
    } catch (err) {
      throw new Error(`mvn could not fetch ${payaraArtifact}: ${(err as Error).message}. ${payaraInstallHint}`);
    }
    if (!existsSync(zip)) throw new Error(`mvn ran but ${zip} is missing. ${payaraInstallHint}`);
  }
  const parent = path.dirname(home);
  const temp = path.join(parent, `.payara-unzip-${process.pid}`);
  mkdirSync(parent, { recursive: true });
  rmSync(temp, { recursive: true, force: true });
  try {
    log(`payara: unpacking ${zip}`);
    execFileSync('unzip', ['-q', zip, '-d', temp], { stdio: ['ignore', 'ignore', 'inherit'] });
    const unpacked = path.join(temp, 'payara6');
    if (!existsSync(asadminBin(unpacked))) throw new Error(`${zip} holds no payara6/bin/asadmin`);
    // Another provisioner may have won the race; its install is as good as this one.
    if (!existsSync(asadminBin(home))) {
      rmSync(home, { recursive: true, force: true });
      renameSync(unpacked, home);
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return home;
}
