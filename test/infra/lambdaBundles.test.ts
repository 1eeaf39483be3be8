import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
