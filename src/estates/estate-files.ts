/**
 * Estates named by requests: `"estate": "lab"` means the file `lab.json` in the worker's
 * estates folder (TURNOUT_ESTATES), so that nobody pastes a topology into the Temporal UI.
 */
import path from 'node:path';
import { validateEstate, type Estate, type Validated } from '../model';
import { JsonInputError, readJsonFile } from '../input/read-json';

/** The file an estate name refers to: names carry no folders, and `.json` is optional. */
export function estateFilePath(name: string, estatesDir: string): string {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  return path.resolve(estatesDir, path.basename(file));
}

/**
 * Reads and validates a named estate. Problems are located under `$.estate`, since the name came
 * from the request's `estate` field.
 */
export async function readEstateFile(name: string, estatesDir: string): Promise<Validated<Estate>> {
  const file = estateFilePath(name, estatesDir);
  let json: unknown;
  try {
    json = await readJsonFile(file);
  } catch (err) {
    if (!(err instanceof JsonInputError)) throw err;
    return { ok: false, problems: [{ path: '$.estate', message: `estate "${name}": ${err.message}` }] };
  }
  return validateEstate(json, ['estate']);
}

/** Reads and validates an estate file given by path (CLI `--estate F`); problems are rooted at the file. */
export async function readEstatePath(file: string): Promise<Validated<Estate>> {
  return validateEstate(await readJsonFile(file));
}
