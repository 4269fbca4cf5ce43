/**
 * The detached lab supervisor behind `turnout lab up`.
 *
 * `node dist/src/lab/supervisor.js --estate F --base-dir D`
 *
 * It runs `startLab`, records itself in `<lab dir>/lab.json`, and on SIGTERM or SIGINT stops
 * every child and removes lab.json before exiting.
 */
import { rmSync } from 'node:fs';
import { labPaths } from './paths';
import { loadEstate, startLab, type LabHandle, type LabInfo } from './lab';
import { parseArgs, requireArg, runLabMain, writeFileAtomic } from './process-utils';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const baseDir = requireArg(args, 'base-dir');
  const estate = loadEstate(requireArg(args, 'estate'));
  const paths = labPaths(estate, baseDir);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  // Filled once the lab is up; a signal before that still removes lab.json (the children watch this pid).
  const lab: { handle?: LabHandle } = {};
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`lab: ${signal}: stopping`);
    try {
      await lab.handle?.stop();
    } finally {
      rmSync(paths.labInfo, { force: true });
      log('lab: stopped');
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  const handle = await startLab(estate, { baseDir, log });
  lab.handle = handle;
  if (stopping) return;
  const info: LabInfo = { pid: process.pid, estate: estate.name, startedAt: new Date().toISOString(), baseDir, urls: handle.urls, pids: handle.pids };
  writeFileAtomic(paths.labInfo, `${JSON.stringify(info, null, 2)}\n`);
  log(`lab: ready; ${JSON.stringify(handle.urls)}`);
}

if (require.main === module) runLabMain('lab supervisor', main);
