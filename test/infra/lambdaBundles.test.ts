import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCaseSqlDirectory } from '../../lib/pipelineFunctions.ts';
import { repositoryRoot } from '../../lib/repositoryRoot.ts';
import { logicalIdOf, type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  pipeline = synthesizePipeline({ environments: ['dev'], bundle: true });
});

/** The asset directory of a function's code in the cloud assembly. */
function bundleDirectory(handler: 'parseArgs' | 'publishUseCase' | 'summarize' | 'notifyFailure'): string {
  const stack = pipeline.stack('dev');
  const fn = pipeline.template('dev').findResources('AWS::Lambda::Function')[
    logicalIdOf(stack, stack.functions[handler].function)
  ];
  // The code's S3 key is the asset hash; the assembly holds the asset as asset.<hash>/.
  const key = (fn?.Properties?.Code as { S3Key?: string } | undefined)?.S3Key;
  if (!key) throw new Error(`no code asset for ${handler}`);
  return join(pipeline.assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
}

describe('Lambda bundles (esbuild, local)', () => {
  it.each(['parseArgs', 'publishUseCase', 'summarize', 'notifyFailure'] as const)(
    '%s is one ESM file exporting handler, with its source map',
    (handler) => {
      const directory = bundleDirectory(handler);
      expect(readdirSync(directory)).toEqual(expect.arrayContaining(['index.mjs', 'index.mjs.map']));
      const code = readFileSync(join(directory, 'index.mjs'), 'utf8');
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
    },
  );

  it(`ParseArgs carries the use-case SQL files (${useCaseSqlDirectory}) as sql/, when there are any`, () => {
    const source = join(repositoryRoot, useCaseSqlDirectory);
    const bundled = join(bundleDirectory('parseArgs'), 'sql');
    if (!existsSync(source)) {
      expect(existsSync(bundled)).toBe(false);
      return;
    }
    expect(readdirSync(bundled).sort()).toEqual(readdirSync(source).sort());
  });
});

describe('the ParseArgs bundle, invoked as Lambda would', () => {
  it('plans a run from its environment and renders every use case from the bundled sql/', async () => {
    const bundle = pathToFileURL(join(bundleDirectory('parseArgs'), 'index.mjs')).href;
    const saved = { ...process.env };
    Object.assign(process.env, {
      ENVIRONMENT: 'dev',
      TIME_ZONE: 'Europe/Zurich',
      LAKE_RAW: 's3://raw-bucket/',
      LAKE_CURATED: 's3://curated-bucket/',
      LAKE_RESULTS: 's3://results-bucket/',
      LAKE_MANIFESTS: 's3://curated-bucket/manifests/',
      LAKE_ATHENA_RESULTS: 's3://athena-bucket/',
      GLUE_DATABASE: 'listings_dev',
      TOPIC_ARN: 'arn:aws:sns:eu-central-2:000000000000:alerts',
      MAX_BACKFILL_DAYS: '14',
      CONSOLE_REGION: 'eu-central-2',
      AWS_REGION: 'eu-central-2',
    });
    try {
      const { handler } = (await import(bundle)) as { handler: (event: unknown) => Promise<unknown> };
      const plan = (await handler({
        input: { date: '2024-01-15' },
        executionStartTime: '2024-01-16T05:00:00Z',
        executionId: 'arn:aws:states:eu-central-2:000000000000:execution:listings-dev:test',
      })) as { partitions: unknown[]; useCases: { kind: string; select?: string; outputPrefix?: string }[] };
      expect(plan.partitions).toEqual([{ source: 'pricehubble', dt: '2024-01-15' }]);
      const sql = plan.useCases.filter((u) => u.kind === 'sql');
      expect(sql.length).toBeGreaterThan(0);
      for (const step of sql) {
        expect(step.select).toContain("'2024-01-15'");
        expect(step.outputPrefix).toMatch(/^s3:\/\/results-bucket\/.+\/dt=2024-01-15\/run=.+\/$/);
      }
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
