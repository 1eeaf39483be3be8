import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { chartLibraryPath, useCaseSqlDirectory } from '../../lib/pipelineFunctions.ts';
import { repositoryRoot } from '../../lib/repositoryRoot.ts';
import { chartLibraryFileName } from '../../src/domain/report/runReportPage.ts';
import { type LambdaName, lambdaEnvironments } from '../../src/domain/taskEnvironments/lambdaEnvironments.ts';
import { useCases } from '../../src/domain/useCases/registry.ts';
import { logicalIdOf, type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  pipeline = synthesizePipeline({ environments: ['dev'], bundle: true });
});

/** The asset directory of a function's code in the cloud assembly. */
function bundleDirectory(handler: LambdaName): string {
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
  it.each(Object.keys(lambdaEnvironments) as LambdaName[])(
    '%s is one ESM file exporting handler, with its source map',
    (handler) => {
      const directory = bundleDirectory(handler);
      expect(readdirSync(directory)).toEqual(expect.arrayContaining(['index.mjs', 'index.mjs.map']));
      const code = readFileSync(join(directory, 'index.mjs'), 'utf8');
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
    },
  );

  it(`RunSqlUseCase carries the use-case SQL files (${useCaseSqlDirectory}) as sql/, when there are any`, () => {
    const source = join(repositoryRoot, useCaseSqlDirectory);
    const bundled = join(bundleDirectory('runSqlUseCase'), 'sql');
    if (!existsSync(source)) {
      expect(existsSync(bundled)).toBe(false);
      return;
    }
    expect(readdirSync(bundled).sort()).toEqual(readdirSync(source).sort());
  });

  it('Summarize carries Chart.js beside its bundle, as the installed package has it: the run report inlines it', () => {
    const bundled = join(bundleDirectory('summarize'), chartLibraryFileName);
    expect(readFileSync(bundled, 'utf8')).toBe(readFileSync(join(repositoryRoot, chartLibraryPath), 'utf8'));
  });
});

describe('the ParseArgs bundle, invoked as Lambda would', () => {
  it('plans a run from the environment its schema names, and nothing else', async () => {
    const bundle = pathToFileURL(join(bundleDirectory('parseArgs'), 'index.mjs')).href;
    const saved = { ...process.env };
    Object.assign(process.env, {
      ENVIRONMENT: 'dev',
      LOG_LEVEL: 'debug',
      TIME_ZONE: 'Europe/Zurich',
      AWS_REGION: 'eu-central-2',
    });
    try {
      const { handler } = (await import(bundle)) as { handler: (event: unknown) => Promise<unknown> };
      const plan = await handler({
        input: { date: '2024-01-15' },
        executionStartTime: '2024-01-16T05:00:00Z',
        executionId: 'arn:aws:states:eu-central-2:000000000000:execution:listings-dev:test',
      });
      expect(plan).toMatchObject({
        environment: 'dev',
        dates: ['2024-01-15'],
        sources: ['pricehubble'],
        useCases: useCases.map((u) => u.name),
      });
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
