import { z } from 'zod';
import { errorCatalog } from '../domain/errors/errorCatalog.ts';
import { failureReportUri } from '../domain/lake/lakeLayout.ts';
import type { FailureReport, TaskError } from '../domain/run/failureReport.ts';
import { type TaskLogGroups, taskStopOf } from '../domain/run/taskStop.ts';
import type { Logger } from '../ports/logger.ts';
import { type RunFactsPorts, readFailureReport } from './runFacts.ts';
import { parseTaskEvent } from './taskEvent.ts';

export interface RecordFailurePorts extends RunFactsPorts {
  /** Where the tasks log, for the link in the report; null where there is no CloudWatch (local runs). */
  readonly logGroups: TaskLogGroups | null;
  readonly log: Logger;
}

/** The Catch of a load or a use case hands over the item and Step Functions' `{ Error, Cause }`. */
const recordFailureEvent = z.object({
  item: z.union([
    z.object({ source: z.string(), dt: z.string(), runId: z.string() }),
    z.object({ useCase: z.string(), dt: z.string(), runId: z.string() }),
  ]),
  failure: z.object({ Error: z.string().optional(), Cause: z.unknown().optional() }),
  executionId: z.string(),
});

/** The Lambda the failed state invokes, when it is one (a SQL use case). */
const sqlUseCaseLambda = 'runSqlUseCase';

/** A Lambda's own error from its Cause, when the task wrote no report (a Lambda never does). */
function lambdaTaskError(cause: unknown): TaskError | null {
  if (typeof cause !== 'string') return null;
  try {
    const parsed = z.object({ errorType: z.string(), errorMessage: z.string() }).safeParse(JSON.parse(cause));
    if (!parsed.success) return null;
    const known = (errorCatalog as Record<string, { category: TaskError['category'] }>)[
      parsed.data.errorType
    ];
    return {
      error: parsed.data.errorType,
      category: known?.category ?? 'bug',
      message: parsed.data.errorMessage,
    };
  } catch {
    return null;
  }
}

/**
 * RecordFailure: a load or use case of one day failed. Completes the task's failure report with
 * what the service said (exit code, stopped reason, the log link) and this execution's id, so
 * the map goes on with the other days and Summarize can tell people exactly what failed.
 */
export async function recordFailureTask(
  event: unknown,
  ports: RecordFailurePorts,
): Promise<{ readonly error: string }> {
  const { item, failure, executionId } = parseTaskEvent('RecordFailure', recordFailureEvent, event);
  const { runId, ...failedItem } = item;
  const uri = failureReportUri(ports.zones, failedItem, runId);
  const written = await readFailureReport(ports, uri);
  // A report left by an earlier execution of the run is stale: only a fresh one is the task's.
  const fresh =
    written && (written.executionId === null || written.executionId === executionId) ? written : null;
  const stop = taskStopOf(failure, {
    logGroups: ports.logGroups,
    runId,
    ...('useCase' in failedItem ? { lambda: sqlUseCaseLambda } : {}),
  });
  const report: FailureReport = {
    runId,
    item: failedItem,
    task: fresh?.task ?? lambdaTaskError(failure.Cause),
    executionId,
    stop,
    at: new Date().toISOString(),
  };
  await ports.blobs.putText(uri, `${JSON.stringify(report, null, 2)}\n`);
  const error = report.task?.error ?? stop.stateError;
  ports.log.warn('task failed', {
    runId,
    ...failedItem,
    error,
    exitCode: stop.exitCode,
    logs: stop.logs?.link,
  });
  return { error };
}
