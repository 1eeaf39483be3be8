import { defineConfig } from 'vitest/config';

/**
 * The tests, split by what they cost (each folder under test/ is one project):
 * unit (pure TypeScript, seconds), sql (DuckDB), infra (CDK synth), e2e (local pipeline runs:
 * loader, model, state machine, CLI) and integration (the AWS adapters against moto_server).
 * `npm test` runs them all; `npm run test:unit` only the first.
 */
const project = (name: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], ...extra },
});

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/closingLineReporter.ts'],
    projects: [
      project('unit'),
      project('sql'),
      project('infra'),
      project('e2e'),
      // Against a real AWS API: one moto_server for the project, reset between tests, so its
      // files must not run at the same time.
      project('integration', {
        globalSetup: ['test/integration/motoGlobalSetup.ts'],
        fileParallelism: false,
        testTimeout: 120_000,
      }),
    ],
  },
});
