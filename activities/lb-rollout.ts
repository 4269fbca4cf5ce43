/**
 * The loadbalancer.xml activities (seed 004): read every load balancer's file (they must agree),
 * write the starting file with some edits to all of them with identical bytes (verified before the
 * change counts as made), read the quiescing period from the file, and read the load balancers'
 * logs for the seed's "quiesced successfully" lines. Each is idempotent.
 */
import { readFile } from 'node:fs/promises';
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Estate, LbEdit } from '../src/model';
import type { Drivers } from '../src/drivers';
import { quiescingPeriodOf, readLoadBalancerConfig } from '../src/drivers/loadbalancer-xml';
import { applyLbEdits } from '../src/drivers/loadbalancer-xml/edits';
import { applyEdits, FileEditConflict, type FileEdit } from '../src/drivers/config-file/foreign-edit';
import { DistributionError, distributeIdentical, readIdentical } from '../src/drivers/config-file';
import { resolveFrom } from '../src/lab/paths';
import { failureTypes } from '../workflows/failure-types';
import type { LbActivities, LbSnapshot, LbWriteInput, LbWriteResult, QuiescedLines, QuiescedLinesInput, QuiescingInput, QuiescingPeriod } from './lb-types';

function balancersOf(estate: Estate): NonNullable<Estate['loadBalancers']> {
  if (!estate.loadBalancers) throw ApplicationFailure.nonRetryable(`estate ${estate.name} has no load balancers`, failureTypes.invalidInput);
  return estate.loadBalancers;
}

/**
 * The starting file with the edits, as every load balancer must hold it. Foreign changes a person
 * approved go on top, then turnout's edits again (they are idempotent), so a kept change never
 * re-enables what the procedure disabled.
 */
export function editedFile(start: string, edits: readonly LbEdit[], accepted: readonly FileEdit[] = []): Buffer {
  const xml = Buffer.from(start, 'base64').toString('utf8');
  const file = edits.length === 0 ? Buffer.from(start, 'base64') : Buffer.from(applyLbEdits(xml, edits), 'utf8');
  return accepted.length === 0 ? file : Buffer.from(applyLbEdits(applyEdits(file.toString('utf8'), accepted), edits), 'utf8');
}

/** Builds the loadbalancer.xml activities over the estate's drivers. */
export function createLbActivities(drivers: (estate: Estate) => Drivers, baseDir?: string): LbActivities {
  return {
    async snapshotLoadBalancerXml(estate: Estate): Promise<LbSnapshot> {
      balancersOf(estate);
      const stores = drivers(estate).loadBalancerXmls();
      try {
        const { bytes, sha256 } = await readIdentical(stores);
        readLoadBalancerConfig(bytes.toString('utf8'));
        return { base64: bytes.toString('base64'), sha256, balancers: stores.map((s) => ({ name: s.name, sha256 })) };
      } catch (err) {
        // Missing, unreadable or different copies: a person makes them agree; retrying would not.
        if (err instanceof DistributionError) throw ApplicationFailure.nonRetryable(`the load balancers' loadbalancer.xml files are not identical (${err.message}); seed 004 requires identical files: make them agree first`, failureTypes.rolloutFailed);
        throw err;
      }
    },

    async writeLoadBalancerXml(input: LbWriteInput): Promise<LbWriteResult> {
      const lbs = balancersOf(input.estate);
      let bytes: Buffer;
      try {
        bytes = editedFile(input.start, input.edits, input.accepted);
      } catch (err) {
        // An approved change that no longer fits the file: no retry makes it fit; nothing was written.
        if (err instanceof FileEditConflict) throw ApplicationFailure.nonRetryable(err.message, failureTypes.rolloutFailed);
        throw err;
      }
      const result = await distributeIdentical(drivers(input.estate).loadBalancerXmls(), bytes);
      log.info('loadbalancer.xml distributed', { sha256: result.sha256, edits: input.edits, balancers: lbs.balancers.map((b) => b.name) });
      return result;
    },

    async quiescingPeriod(input: QuiescingInput): Promise<QuiescingPeriod> {
      balancersOf(input.estate);
      const config = readLoadBalancerConfig(Buffer.from(input.start, 'base64').toString('utf8'));
      const period = quiescingPeriodOf(config, input.estate, input);
      if (!period) throw ApplicationFailure.nonRetryable(`loadbalancer.xml has no cluster ${input.cluster} (it has ${config.clusters.map((c) => c.name).join(', ')})`, failureTypes.rolloutFailed);
      return period;
    },

    async quiescedLines(input: QuiescedLinesInput): Promise<QuiescedLines> {
      const lbs = balancersOf(input.estate);
      const balancers = await Promise.all(
        lbs.balancers.map(async (b) => {
          const path = resolveFrom(baseDir, b.log ?? `${input.estate.lab?.dir ?? '.turnout/lab'}/${b.name}/lb.log`);
          const text = await readFile(path, 'utf8').catch(() => '');
          const lines = text.split('\n').filter((l) => l.includes('quiesced successfully over the cluster') && l.includes(input.cluster) && input.names.some((n) => l.includes(n)));
          return { name: b.name, lines };
        }),
      );
      return { balancers };
    },
  };
}
