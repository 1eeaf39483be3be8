import { defineConfig } from 'vitest/config';

/**
 * The tests mutation testing runs (stryker.config.json): everything but the suites against
 * moto_server, whose one shared emulator cannot serve Stryker's parallel workers, and the
 * whole-process crash and chaos runs, too slow to repeat for every mutant; tests that start the
 * CLI or a container as a child process run the unmutated code there (the mutant is active in
 * the test process only), so they neither kill nor confuse mutants.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    include: ['test/{unit,sql,infra,e2e}/**/*.test.ts'],
    exclude: [
      'test/e2e/crashAndOverlap.test.ts',
      'test/e2e/chaos.test.ts',
      // bundling with esbuild, which the sandbox's copy of the tree cannot do and no guarantee rests on
      'test/infra/lambdaBundles.test.ts',
      'test/infra/loaderImageBundle.test.ts',
      // they read the source files as text, which Stryker has rewritten to switch mutants
      'test/unit/errorCatalog.test.ts',
      'test/unit/importBoundaries.test.ts',
    ],
  },
});
