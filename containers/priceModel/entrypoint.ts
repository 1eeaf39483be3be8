/**
 * The price model processor: a model use case run as its own container (a Fargate task in
 * AWS, a child process locally). Per-run input (RUN_ID, RUN_DATE) comes from the container
 * overrides; see src/runtime/containerRuntime.ts for the shared contract.
 */
import { z } from 'zod';
import { runPriceModel } from '../../src/jobs/priceModel/runPriceModel.ts';
import { runContainer } from '../../src/runtime/containerRuntime.ts';

runContainer('priceModel', z.object({}), async ({ env, lake, log, duckdb }) => {
  const summary = await runPriceModel(
    { runId: env.RUN_ID, dt: env.RUN_DATE },
    { blobs: lake.blobs, catalog: lake.catalog, zones: lake.zones, log, workDir: env.WORK_DIR, duckdb },
  );
  return { ...summary };
});
