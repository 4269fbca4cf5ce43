/**
 * The activities. `createActivities(deps)` closes over what they need (the estates folder now, the
 * drivers later) so that the worker, tests and benchmarks can each supply their own.
 */
import path from 'node:path';
import { ApplicationFailure, log } from '@temporalio/activity';
import { formatProblems, validateEstate, type Estate, type InputProblem } from '../src/model';
import { readEstateFile } from '../src/estates/estate-files';
import { failureTypes } from '../workflows/failure-types';
import { createRolloutActivities, type RolloutActivityDeps } from './rollout';
import { createNotifyActivities, type NotifyActivityDeps } from './notify';
import { createEstateCache, resolvingRefs } from './estate-refs';
import { createLocalBlobStore } from '../src/drivers/blob-store/local-blob-store';

/** What the activities need from the process that hosts them. */
export interface ActivityDeps extends Omit<RolloutActivityDeps, 'blobs'>, NotifyActivityDeps {
  /** The folder of named estates (TURNOUT_ESTATES). */
  estatesDir: string;
  /** The blob folder (TURNOUT_BLOBS); by default `.turnout-blobs` in `baseDir`, else in `estatesDir`. */
  blobsDir?: string;
}

function invalidInput(problems: readonly InputProblem[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(formatProblems(problems), failureTypes.invalidInput);
}

/** Builds the activities around `deps`; they take the estate inline or by reference. */
export function createActivities(deps: ActivityDeps) {
  const blobs = createLocalBlobStore(deps.blobsDir ?? path.join(deps.baseDir ?? deps.estatesDir, '.turnout-blobs'));
  return resolvingRefs(activitiesOf({ ...deps, blobs }), { estates: createEstateCache(deps.client), blobs });
}

function activitiesOf(deps: ActivityDeps & RolloutActivityDeps) {
  return {
    ...createRolloutActivities(deps),
    ...createNotifyActivities(deps),
    /** The worker's self-check: logs and echoes `message`. */
    async ping(message: string): Promise<string> {
      log.info('ping activity answering', { message });
      return `activity:${message}`;
    },

    /**
     * Returns the request's estate, validated. A name is read from the estates folder (`.json` is
     * optional); problems, including a missing file, fail without retry and are located under `$.estate`.
     */
    async resolveEstate(nameOrEstate: string | object): Promise<Estate> {
      const validated = typeof nameOrEstate === 'string' ? await readEstateFile(nameOrEstate, deps.estatesDir) : validateEstate(nameOrEstate, ['estate']);
      if (!validated.ok) throw invalidInput(validated.problems);
      return validated.value;
    },
  };
}

/** The activity functions, as workflows see them through `proxyActivities<Activities>`. */
export type Activities = ReturnType<typeof createActivities>;
