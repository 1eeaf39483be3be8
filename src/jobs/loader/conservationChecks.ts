import { byteAccountProblem } from '../../domain/ingest/byteAccount.ts';
import type { SourceDay } from '../../domain/lake/lakeLayout.ts';
import type { ContractOutcome } from './applyContract.ts';
import { ConservationError } from './loaderErrors.ts';
import type { RawObjectSummary } from './loadPartition.ts';
import type { ContentCount } from './rawObjectContent.ts';

/*
 * The loader's two conservation guards. Each refuses a load whose counts do not add up, before
 * anything is published: a mismatch means the code lost data, and publishing would hide it.
 */

/**
 * Step 2's check: the stager read the object's whole content (as counted on the way in, apart
 * from the stager) and accounted for every byte of it. A difference means text was skipped
 * without becoming a record: a bug, and publishing would hide records.
 */
export function checkBytes(
  runId: string,
  object: Pick<RawObjectSummary, 'uri' | 'bytes'>,
  content: Pick<ContentCount, 'contentBytes' | 'ended'>,
): void {
  const problem = byteAccountProblem(object.bytes, { bytes: content.contentBytes, ended: content.ended });
  if (problem === undefined) return;
  throw new ConservationError(
    `Byte conservation failed for raw object ${object.uri}: ${problem}. Nothing was published; this is a bug, ` +
      `please report it with the run id ${runId}.`,
  );
}

/** Step 4: what was staged is what was written, and the engine agrees. */
export function checkConservation(
  runId: string,
  day: SourceDay,
  objects: readonly Pick<RawObjectSummary, 'records'>[],
  outcome: Pick<ContractOutcome, 'read' | 'kept' | 'rejected'>,
): number {
  const staged = objects.reduce((sum, o) => sum + o.records, 0);
  const { read, kept, rejected } = outcome;
  if (!(staged === kept + rejected && read === staged)) {
    throw new ConservationError(
      `Conservation failed for ${day.source}/${day.dt}: staged ${staged} records, the engine read ${read}, ` +
        `wrote ${kept} kept + ${rejected} rejected. Nothing was published; this is a bug, please report it with the ` +
        `run id ${runId}.`,
    );
  }
  return staged;
}
