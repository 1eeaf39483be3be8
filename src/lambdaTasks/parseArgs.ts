import { z } from 'zod';
import { planRun, type RunPlan } from '../domain/run/runArguments.ts';
import { sources } from '../domain/sources/registry.ts';
import { useCases } from '../domain/useCases/registry.ts';
import type { Logger } from '../ports/logger.ts';
import { parseTaskEvent } from './taskEvent.ts';

export interface ParseArgsPorts {
  readonly environment: string;
  /** The schedule's time zone: a scheduled run loads that day there. */
  readonly timeZone: string;
  /** Days one execution plans at most; default: what the execution history allows. Tests lower it to exercise parts. */
  readonly maxDaysPerExecution?: number;
  readonly log: Logger;
}

export const parseArgsEvent = z.object({
  input: z.unknown(),
  executionStartTime: z.string(),
  executionId: z.string(),
});

/** ParseArgs: validates the execution input against the allow-lists and plans the run. */
export function parseArgsTask(event: unknown, ports: ParseArgsPorts): RunPlan {
  const { input, executionStartTime, executionId } = parseTaskEvent('ParseArgs', parseArgsEvent, event);
  const plan = planRun(input, {
    environment: ports.environment,
    executionStartTime,
    executionId,
    ...(ports.maxDaysPerExecution ? { maxDaysPerExecution: ports.maxDaysPerExecution } : {}),
    timeZone: ports.timeZone,
    knownSources: sources.map((s) => s.name),
    knownUseCases: useCases.map((u) => u.name),
  });
  ports.log.info('run planned', {
    runId: plan.runId,
    dates: plan.dates.length === 1 ? plan.dates[0] : `${plan.dates[0]}..${plan.dates.at(-1)}`,
    sources: plan.sources,
    useCases: plan.useCases,
    ...(plan.next ? { nextPart: plan.next } : {}),
  });
  return plan;
}
