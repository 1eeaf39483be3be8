import type { StepFunctionsExecutions } from '../adapters/aws/stepFunctionsExecutions.ts';
import { runReportsPrefix } from '../domain/lake/lakeLayout.ts';
import { type RunArguments, runArgumentsSchema } from '../domain/run/runArguments.ts';
import { type RunOutcome, runOutcomeSchema } from '../domain/run/runOutcome.ts';
import type { LakeConnection } from '../runtime/lakeConnection.ts';

/** One execution of a run, as `etl runs` lists it. */
export interface RunHistoryEntry {
  readonly executionArn: string;
  readonly runId: string | null;
  readonly status: string;
  readonly startedAt: string;
  readonly durationMs: number | null;
  /** The days it covers, as its input names them (`2024-01-15`, `2024-01-01..2024-01-31`, …). */
  readonly days: string;
  /** null: every source (or use case) the pipeline knows. */
  readonly sources: readonly string[] | null;
  readonly useCases: readonly string[] | null;
  /** From the run report in the lake, when Summarize filed one. */
  readonly totals: RunOutcome['totals'] | null;
  readonly failed: number | null;
  readonly redriveOf: string | null;
}

/** The run reports under the lake's manifests, by execution name. */
async function reportsByExecution(lake: LakeConnection): Promise<Map<string, string>> {
  const objects = await lake.blobs.list(runReportsPrefix(lake.zones));
  return new Map(
    objects
      .filter((o) => o.uri.endsWith('.json'))
      .map((o) => [o.uri.split('/').at(-1)?.slice(0, -5) ?? '', o.uri]),
  );
}

async function readReport(lake: LakeConnection, uri: string | undefined): Promise<RunOutcome | null> {
  if (!uri) return null;
  const text = await lake.blobs.getText(uri);
  if (text === undefined) return null;
  try {
    const parsed = runOutcomeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The run report of one execution, if Summarize filed one (the execution name is the ARN's last part). */
export async function runReportOf(lake: LakeConnection, executionArn: string): Promise<RunOutcome | null> {
  const name = executionArn.split(':').at(-1) ?? '';
  return readReport(lake, (await reportsByExecution(lake)).get(name));
}

function daysOf(input: RunArguments | null): string {
  if (!input) return '?';
  if (input.date) return input.date;
  if (input.from && input.to) return input.from === input.to ? input.from : `${input.from}..${input.to}`;
  if (input.dates) {
    const sorted = [...input.dates].sort();
    return sorted.length === 1
      ? (sorted[0] as string)
      : `${sorted.length} days ${sorted[0]}..${sorted.at(-1)}`;
  }
  return 'today';
}

function entryOf(
  execution: { executionArn: string; status: string; startedAt: string; stoppedAt: string | null },
  input: RunArguments | null,
  report: RunOutcome | null,
): RunHistoryEntry {
  return {
    executionArn: execution.executionArn,
    runId: report?.runId ?? input?.runId ?? null,
    status: execution.status,
    startedAt: execution.startedAt,
    durationMs:
      execution.stoppedAt === null ? null : Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt),
    days: daysOf(input),
    sources: input?.sources ?? null,
    useCases: input?.useCases ?? null,
    totals: report?.totals ?? null,
    failed: report
      ? report.partitions.filter((p) => p.outcome === 'failed' || p.outcome === 'not-run').length +
        report.useCases.filter((u) => u.outcome === 'failed').length
      : null,
    redriveOf: input?.redriveOf ?? null,
  };
}

/** `etl runs --env E`: the state machine's newest executions, with counts where the lake has a report. */
export async function deployedRuns(
  executions: StepFunctionsExecutions,
  stateMachineArn: string,
  lake: LakeConnection,
  limit: number,
): Promise<RunHistoryEntry[]> {
  const listed = await executions.list(stateMachineArn, limit);
  const reports = await reportsByExecution(lake);
  const entries: RunHistoryEntry[] = [];
  for (const execution of listed) {
    const described = await executions.describe(execution.executionArn);
    const input = runArgumentsSchema.safeParse(described.input);
    entries.push(
      entryOf(
        {
          executionArn: execution.executionArn,
          status: execution.status,
          startedAt: execution.startDate.toISOString(),
          stoppedAt: execution.stopDate?.toISOString() ?? null,
        },
        input.success ? input.data : null,
        await readReport(lake, reports.get(execution.name)),
      ),
    );
  }
  return entries;
}

/** `etl runs --lake DIR`: every run report of a lake, grouped by run id, newest run first. */
export async function lakeRuns(lake: LakeConnection, limit: number): Promise<RunHistoryEntry[]> {
  const reports: RunOutcome[] = [];
  for (const uri of (await reportsByExecution(lake)).values()) {
    const report = await readReport(lake, uri);
    if (report) reports.push(report);
  }
  const newestOfRun = new Map<string, string>();
  for (const r of reports) {
    if ((newestOfRun.get(r.runId) ?? '') < r.startedAt) newestOfRun.set(r.runId, r.startedAt);
  }
  const runStart = (r: RunOutcome): string => newestOfRun.get(r.runId) ?? r.startedAt;
  reports.sort(
    (a, b) =>
      runStart(b).localeCompare(runStart(a)) ||
      a.runId.localeCompare(b.runId) ||
      b.startedAt.localeCompare(a.startedAt),
  );
  return reports
    .slice(0, limit)
    .map((r) =>
      entryOf(
        { executionArn: r.executionId, status: r.status, startedAt: r.startedAt, stoppedAt: r.finishedAt },
        r.input,
        r,
      ),
    );
}

/** The history as rows of a table for people. */
export function historyTable(entries: readonly RunHistoryEntry[]): {
  columns: string[];
  rows: Record<string, unknown>[];
} {
  const columns = [
    'started',
    'status',
    'duration',
    'days',
    'sources',
    'read',
    'kept',
    'rejected',
    'failed',
    'run',
    'execution',
  ];
  return {
    columns,
    rows: entries.map((e) => ({
      started: e.startedAt.replace('T', ' ').slice(0, 19),
      status: e.status,
      duration: e.durationMs === null ? '' : `${(e.durationMs / 1000).toFixed(1)} s`,
      days: e.days,
      sources: e.sources?.join(',') ?? 'all',
      read: e.totals?.read ?? '',
      kept: e.totals?.kept ?? '',
      rejected: e.totals?.rejected ?? '',
      failed: e.failed ?? '',
      run: e.runId ?? '',
      execution: e.executionArn.split(':').at(-1),
    })),
  };
}
