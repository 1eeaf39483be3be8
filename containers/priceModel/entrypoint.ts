/**
 * The price model job: a model use case run as its own container (a Fargate task in AWS, a
 * child process locally). Per-run input (RUN_ID, RUN_DATE) comes from the container
 * overrides; see src/runtime/containerRuntime.ts for the shared contract.
 */
import { runPriceModel } from '../../src/jobs/priceModel/runPriceModel.ts';
import { runContainer } from '../../src/runtime/containerRuntime.ts';

runContainer('model', 'priceModel', async ({ run, lake, log, workDir, duckdb }) => {
  const summary = await runPriceModel(
    { runId: run.RUN_ID, dt: run.RUN_DATE },
    { blobs: lake.blobs, catalog: lake.catalog, zones: lake.zones, log, workDir, duckdb },
  );
  return { ...summary };
});
