/**
 * Loading a request file for the CLI: JSON parse (line and column on errors), zod validation
 * (every problem by JSON path) and estate resolution, all before anything is touched.
 */
import path from 'node:path';
import { formatProblems, validateRequest, type Estate, type InputProblem, type Plan, type RolloutRequest } from '../model';
import { safeguardProblems } from '../planning/safeguards';
import { readEstateFile } from '../estates/estate-files';
import { JsonInputError, readJsonFile } from '../input/read-json';
import { CliError, ExitCode } from './exit-codes';

/** A validated request together with its resolved estate. */
export interface LoadedRequest {
  file: string;
  request: RolloutRequest;
  estate: Estate;
  /** The estate's file when the request named it, for messages. */
  estateName?: string;
}

/** The folder named estates are read from: TURNOUT_ESTATES, or ./estates. */
export function estatesDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.TURNOUT_ESTATES || 'estates');
}

function invalid(file: string, problems: readonly InputProblem[]): CliError {
  return new CliError(`${file}: invalid request\n${formatProblems(problems).replace(/^/gm, '  ')}`, ExitCode.invalidInput);
}

/** Reads REQUEST.json; throws CliError (exit 2) naming every bad field. */
export async function loadRequestFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedRequest> {
  let json: unknown;
  try {
    json = await readJsonFile(file);
  } catch (err) {
    if (err instanceof JsonInputError) throw new CliError(err.message, ExitCode.invalidInput);
    throw err;
  }
  const checked = validateRequest(json);
  if (!checked.ok) throw invalid(file, checked.problems);
  const request = checked.value;
  if (typeof request.estate !== 'string') return { file, request, estate: request.estate };
  const estate = await readEstateFile(request.estate, estatesDir(env));
  if (!estate.ok) throw invalid(file, estate.problems);
  return { file, request, estate: estate.value, estateName: request.estate };
}

/**
 * Refuses a request that would silently remove a safeguard (see `src/planning/safeguards.ts`):
 * throws CliError (exit 2) naming each problem by JSON path, as the workflow would fail.
 */
export function refuseUnsafe(file: string, request: RolloutRequest, estate: Estate, plan: Plan, now = new Date()): void {
  const problems = safeguardProblems(request, estate, plan, now);
  if (problems.length > 0) throw invalid(file, problems);
}
