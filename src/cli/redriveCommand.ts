import type { StepFunctionsExecutions } from '../adapters/aws/stepFunctionsExecutions.ts';
import type { RunArguments } from '../domain/run/runArguments.ts';
import type { RunOutcome } from '../domain/run/runOutcome.ts';
import type { LakeConnection } from '../runtime/lakeConnection.ts';
import { runReportOf } from './runHistory.ts';
import { UsageError } from './usageError.ts';

/** What `etl redrive` decided from the execution's run report and status. */
export type RedrivePlan =
  | { readonly kind: 'nothing-failed'; readonly report: RunOutcome }
  /** Summarize filed a report: a new execution of only what failed, same run id. */
  | { readonly kind: 'start'; readonly input: RunArguments; readonly report: RunOutcome }
  /** It died before Summarize: Step Functions re-drives it from its failed states. */
  | { readonly kind: 'redrive-execution' };

const stoppedStatuses = new Set(['FAILED', 'ABORTED', 'TIMED_OUT']);

/** The input that re-runs what a report says failed, tied to the run and the execution it re-drives. */
export function redriveInputOf(report: RunOutcome, executionArn: string): RunArguments | null {
  if (report.redriveInput === null) return null;
  return { ...report.redriveInput, runId: report.runId, redriveOf: executionArn };
}

/** Decides how to re-drive an execution: from its report when there is one, else by its status. */
export function planRedrive(
  executionArn: string,
  status: string,
  report: RunOutcome | null,
  environmentHint: string,
): RedrivePlan {
  if (report) {
    const input = redriveInputOf(report, executionArn);
    return input === null ? { kind: 'nothing-failed', report } : { kind: 'start', input, report };
  }
  if (stoppedStatuses.has(status)) return { kind: 'redrive-execution' };
  if (status === 'RUNNING' || status === 'PENDING_REDRIVE') {
    throw new UsageError(
      `${executionArn} is still ${status}: wait for it (etl follow ${executionArn}), then re-drive what failed.`,
    );
  }
  throw new UsageError(
    `${executionArn} is ${status} but its run report is not in ${environmentHint}: nothing to re-drive from.`,
  );
}

/** `etl redrive ARN --env E`: re-runs what failed in a deployed environment; returns the new or re-driven execution. */
export async function redriveDeployed(
  executions: StepFunctionsExecutions,
  stateMachineArn: string,
  lake: LakeConnection,
  executionArn: string,
): Promise<{ plan: RedrivePlan; executionArn: string | null }> {
  const described = await executions.describe(executionArn);
  const plan = planRedrive(
    executionArn,
    described.status,
    await runReportOf(lake, executionArn),
    lake.zones.manifests,
  );
  if (plan.kind === 'nothing-failed') return { plan, executionArn: null };
  if (plan.kind === 'redrive-execution') {
    await executions.redrive(executionArn);
    return { plan, executionArn };
  }
  return { plan, executionArn: await executions.start(stateMachineArn, plan.input) };
}
