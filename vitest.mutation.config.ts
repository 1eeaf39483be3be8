import { defineConfig } from 'vitest/config';

/**
 * The tests mutation testing runs (stryker.config.json): everything but the suites against
 * moto_server, whose one shared emulator cannot serve Stryker's parallel workers, and the
 * whole-process crash and chaos runs, too slow to repeat for every mutant.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    include: ['test/{unit,sql,infra,e2e}/**/*.test.ts'],
    exclude: ['test/e2e/crashAndOverlap.test.ts', 'test/e2e/chaos.test.ts'],
  },
});
