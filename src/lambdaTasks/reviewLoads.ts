import { z } from 'zod';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { partitionOutcomeOf, runStoppingFailures, useCaseDatesOf } from '../domain/run/outcomes.ts';
import { sourceNamed } from '../domain/sources/registry.ts';
import type { Logger } from '../ports/logger.ts';
import { partitionFactsOf, type RunFactsPorts } from './runFacts.ts';
import { parseTaskEvent } from './taskEvent.ts';

export interface ReviewLoadsPorts extends RunFactsPorts {
  readonly log: Logger;
}

/** A day failed for a source whose contract says a failed day stops the run. */
export class PartitionsFailedError extends PipelineError {
  override readonly name = 'PartitionsFailedError';
}

const reviewLoadsEvent = z.object({
  plan: z.object({
    runId: z.string(),
    dates: z.array(z.string()),
    sources: z.array(z.string()),
  }),
  executionId: z.string(),
});

/**
 * ReviewLoads: after every load of the run, which days did every source load? Their use cases
 * run; a day missing a source is left to the summary (and to `etl redrive`). A failed day of a
 * source whose contract says `fail-run` stops the run here, before any use case.
 */
export async function reviewLoadsTask(
  event: unknown,
  ports: ReviewLoadsPorts,
): Promise<{ readonly useCaseDates: string[] }> {
  const { plan, executionId } = parseTaskEvent('ReviewLoads', reviewLoadsEvent, event);
  const facts = await partitionFactsOf(ports, plan, executionId);
  const policyOf = (source: string) => sourceNamed(source).onFailedDay;
  const partitions = facts.map((f) => partitionOutcomeOf(f, policyOf(f.source)));
  const stopping = runStoppingFailures(partitions, policyOf);
  if (stopping.length > 0) {
    throw new PartitionsFailedError(
      `${stopping.length} day(s) failed for a source whose contract stops the run (onFailedDay: 'fail-run'): ` +
        `${stopping.map((p) => `${p.source} ${p.dt}: ${p.error}: ${p.message}`).join('; ')}. No use case ran. ` +
        'Fix each day, then re-run the range.',
    );
  }
  const useCaseDates = useCaseDatesOf(plan, partitions);
  const notLoaded = partitions.filter((p) => p.outcome !== 'loaded');
  ports.log.info('loads reviewed', {
    runId: plan.runId,
    loaded: partitions.length - notLoaded.length,
    notLoaded: notLoaded.map((p) => `${p.source}/${p.dt}: ${p.outcome} ${p.error ?? ''}`.trim()),
    useCaseDays: useCaseDates.length,
  });
  return { useCaseDates };
}
