import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../lib/repositoryRoot.ts';
import { containerBundleBanner, containerBundleExternals } from '../../src/orchestrator/esbuildBundles.ts';

/**
 * No Docker here, so the images themselves cannot be built. This runs the Dockerfile's own
 * esbuild command for each container and gives the bundles only the node_modules the runtime
 * stage copies: if a bundle needs anything else (a dependency marked external by mistake, a
 * file read at run time), the container fails here instead of in Fargate.
 */
const dockerfile = readFileSync(join(repositoryRoot, 'containers/Dockerfile'), 'utf8');

/** The `RUN npx esbuild ...` instruction for one container, continuation lines joined. */
function esbuildCommand(container: string, outfile: string): string {
  const lines = dockerfile.split('\n');
  const start = lines.findIndex((line) => line.startsWith('RUN npx esbuild'));
  if (start < 0) throw new Error('no RUN npx esbuild in the Dockerfile');
  const command: string[] = [];
  for (const line of lines.slice(start)) {
    command.push(line.replace(/\\$/, '').trim());
    if (!line.trimEnd().endsWith('\\')) break;
  }
  const joined = command
    .join(' ')
    .replace(/^RUN /, '')
    .replaceAll(/\$\{CONTAINER\}/g, container);
  if (!joined.includes('--outfile=dist/main.mjs')) throw new Error('the bundle is expected at dist/main.mjs');
  return joined.replace('--outfile=dist/main.mjs', `--outfile=${outfile}`);
}

/** The packages the runtime stage copies from the build stage's node_modules. */
function runtimeModules(): string[] {
  return [...dockerfile.matchAll(/^COPY --from=build \/build\/node_modules\/(\S+) /gm)].map(
    (m) => m[1] as string,
  );
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'loader-image-'));
  const app = join(work, 'app');
  mkdirSync(join(app, 'node_modules', '@duckdb'), { recursive: true });
  for (const container of ['loader', 'priceModel']) {
    execFileSync('bash', ['-c', esbuildCommand(container, join(app, `${container}.mjs`))], {
      cwd: repositoryRoot,
      stdio: 'pipe',
    });
  }
  for (const module of runtimeModules()) {
    if (module === '@duckdb') {
      // Copies, not links: a linked package would resolve its own dependencies in the repository.
      for (const pkg of ['node-api', 'node-bindings', `node-bindings-${process.platform}-${process.arch}`]) {
        cpSync(join(repositoryRoot, 'node_modules/@duckdb', pkg), join(app, 'node_modules/@duckdb', pkg), {
          recursive: true,
        });
      }
    } else {
      cpSync(join(repositoryRoot, 'node_modules', module), join(app, 'node_modules', module), {
        recursive: true,
      });
    }
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('container image bundles (the Dockerfile build stage, without Docker)', () => {
  it('is bundled locally with the externals and banner the image uses', () => {
    const command = esbuildCommand('loader', 'x.mjs');
    const externals = [...command.matchAll(/'?--external:([^\s']+)'?/g)].map((m) => m[1]);
    expect(externals).toEqual([...containerBundleExternals]);
    expect(command).toContain(`"--banner:js=${containerBundleBanner}"`);
    expect(command).toContain('--format=esm');
  });

  it('copies DuckDB and its libc detection into the runtime stage, nothing else', () => {
    expect(runtimeModules().sort()).toEqual(['@duckdb', 'detect-libc']);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('loads a day of raw offers with nothing but the bundle and DuckDB', () => {
    const lake = join(work, 'lake');
    const day = join(lake, 'raw/source=pricehubble/dt=2024-01-15');
    mkdirSync(day, { recursive: true });
    copyFileSync(
      join(repositoryRoot, 'localstack/samples/pricehubble-sample.json'),
      join(day, 'offers.json'),
    );
    const stdout = execFileSync('node', ['--enable-source-maps', 'loader.mjs'], {
      cwd: join(work, 'app'),
      env: {
        PATH: process.env.PATH,
        ENVIRONMENT: 'test',
        LOG_LEVEL: 'info',
        RUN_ID: '20240115T060000Z-3f9a1c',
        SOURCE: 'pricehubble',
        RUN_DATE: '2024-01-15',
        QUALITY: 'null',
        LOAD_STEP: 'day',
        CATALOG: 'local',
        LAKE: lake,
        WORK_DIR: join(work, 'scratch'),
        DUCKDB_MEMORY_LIMIT: '256MB',
        DUCKDB_THREADS: '2',
        PROGRESS_INTERVAL_SECONDS: '10',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { read?: number; kept?: number };
    expect(summary.read).toBeGreaterThan(0);
    expect(summary.kept).toBeGreaterThan(0);

    // The price model container, on what the loader just published
    const modelOut = execFileSync('node', ['--enable-source-maps', 'priceModel.mjs'], {
      cwd: join(work, 'app'),
      env: {
        PATH: process.env.PATH,
        ENVIRONMENT: 'test',
        LOG_LEVEL: 'info',
        RUN_ID: '20240115T060000Z-3f9a1c',
        RUN_DATE: '2024-01-15',
        USE_CASE: 'price_model',
        CATALOG: 'local',
        LAKE: lake,
        WORK_DIR: join(work, 'scratch'),
        DUCKDB_MEMORY_LIMIT: '256MB',
        DUCKDB_THREADS: '2',
        PROGRESS_INTERVAL_SECONDS: '10',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    const model = JSON.parse(modelOut.trim().split('\n').at(-1) ?? '{}') as {
      offers?: number;
      models?: unknown[];
    };
    expect(model.offers).toBe(summary.kept);
    expect(model.models?.length).toBeGreaterThan(0);
  });
});
