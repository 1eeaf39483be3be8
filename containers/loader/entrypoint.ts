/**
 * The loader container: what the Fargate task runs in AWS and what the local orchestrator
 * starts as a child process. Per-run input (RUN_ID, SOURCE, RUN_DATE, QUALITY) comes from the Step
 * Functions container overrides; see src/runtime/containerRuntime.ts for the shared contract.
 */
import { sourceNamed } from '../../src/domain/sources/registry.ts';
import { loadPartition } from '../../src/jobs/loader/loadPartition.ts';
import { runContainer } from '../../src/runtime/containerRuntime.ts';

runContainer('loader', 'loader', async ({ run, lake, log, workDir, duckdb, progressIntervalMs }) => {
  const summary = await loadPartition(
    { source: sourceNamed(run.SOURCE), date: run.RUN_DATE, runId: run.RUN_ID, quality: run.QUALITY },
    { blobs: lake.blobs, catalog: lake.catalog, zones: lake.zones, log, workDir, duckdb, progressIntervalMs },
  );
  log.info('loaded', { read: summary.read, kept: summary.kept, rejected: summary.rejected });
  return { ...summary };
});
