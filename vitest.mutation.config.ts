import { defineConfig } from 'vitest/config';

/**
 * The tests mutation testing runs (stryker.config.json): everything but the suites against
 * moto_server, whose one shared emulator cannot serve Stryker's parallel workers, and the tests
 * that run the pipeline as child processes (the CLI, crash and chaos runs): the mutant is active
 * in the test process only, so a child runs the unmutated code and those tests could never kill
 * a mutant, only slow the run.
 */
/**
 * `MUTATION_TESTS` (comma-separated globs) narrows the tests to those that hold one module's
 * rules, for a run of that module alone (`--mutate <file>`): SQL held in module constants makes
 * every mutant "static", which Stryker runs against every test. The score is then a lower
 * bound: a mutant only the other tests would kill counts as survived.
 */
const narrowedTo = process.env.MUTATION_TESTS?.split(',').filter((glob) => glob.trim() !== '');

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    include: narrowedTo?.length ? narrowedTo : ['test/{unit,sql,infra,e2e}/**/*.test.ts'],
    exclude: [
      'test/e2e/crashAndOverlap.test.ts',
      'test/e2e/backfill.test.ts',
      'test/e2e/chaos.test.ts',
      'test/e2e/etlCommand.test.ts',
      'test/e2e/lakePathCharacters.test.ts',
      'test/e2e/lakeRepair.test.ts',
      'test/e2e/queryReadOnly.test.ts',
      'test/e2e/scratchSpace.test.ts',
      // bundling with esbuild, which the sandbox's copy of the tree cannot do and no guarantee rests on
      'test/infra/lambdaBundles.test.ts',
      'test/infra/loaderImageBundle.test.ts',
      // they read the source files as text, which Stryker has rewritten to switch mutants
      'test/unit/errorCatalog.test.ts',
      'test/unit/importBoundaries.test.ts',
    ],
  },
});
