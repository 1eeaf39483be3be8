/**
 * The loader container: what the Fargate task runs in AWS and what the local orchestrator
 * starts as a child process. Per-run input (RUN_ID, SOURCE, RUN_DATE, QUALITY, LOAD_STEP) comes
 * from the Step Functions container overrides; see src/runtime/containerRuntime.ts for the
 * shared contract.
 */
import { sourceNamed } from '../../src/domain/sources/registry.ts';
import { loadPartition } from '../../src/jobs/loader/loadPartition.ts';
import { checkShard, mergePart, publishShards } from '../../src/jobs/loader/shardedLoad.ts';
import { runContainer } from '../../src/runtime/containerRuntime.ts';

runContainer('loader', 'loader', async ({ run, lake, log, workDir, duckdb, progressIntervalMs }) => {
  const request = {
    source: sourceNamed(run.SOURCE),
    date: run.RUN_DATE,
    runId: run.RUN_ID,
    quality: run.QUALITY,
  };
  const ports = {
    blobs: lake.blobs,
    catalog: lake.catalog,
    zones: lake.zones,
    log,
    workDir,
    duckdb,
    progressIntervalMs,
  };
  const step = run.LOAD_STEP;
  if (step.kind === 'shard') {
    const summary = await checkShard(request, step.shard, ports);
    log.info('shard checked', { shard: step.shard, records: summary.records });
    return { ...summary };
  }
  if (step.kind === 'merge') {
    return { ...(await mergePart(request, step.part, ports)) };
  }
  const summary = await (step.kind === 'publish' ? publishShards : loadPartition)(request, ports);
  log.info('loaded', { read: summary.read, kept: summary.kept, rejected: summary.rejected });
  return { ...summary };
});
