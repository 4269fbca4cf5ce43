/**
 * How a benchmark reports: one JSON object on stdout (and in bench/results/<name>.json), progress
 * on stderr, so `npm run bench -- x | jq` works.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/paths';

/** The machine a figure was measured on: timings mean little without it. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  totalMemoryMb: number;
  platform: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the bench started and when it reported. */
  loadAverageAtStart: number[];
  loadAverage: number[];
}

const roundLoad = (loads: number[]): number[] => loads.map((l) => Math.round(l * 100) / 100);
// Taken when the bench loads this module: other work on the machine skews timings, so say how busy it was.
const loadAtStart = roundLoad(os.loadavg());

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: loadAtStart,
    loadAverage: roundLoad(os.loadavg()),
  };
}

/** Where results go: bench/results in the source tree, also when running from dist/bench. */

export const resultsDir = path.join(packageRoot(), 'bench', 'results');

/** Saves `result` as bench/results/<name>.json (a long bench keeps what it has so far); returns the JSON. */
export function save(name: string, result: object): string {
  const json = JSON.stringify(result, null, 2);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `${name}.json`), `${json}\n`);
  return json;
}

/** Prints `result` as the single JSON object on stdout and saves it as bench/results/<name>.json. */
export function publish(name: string, result: object): void {
  process.stdout.write(`${save(name, result)}\n`);
}

/** A progress line on stderr, prefixed with the benchmark's name. */
export function progress(name: string): (line: string) => void {
  return (line) => void process.stderr.write(`[bench ${name}] ${line}\n`);
}
