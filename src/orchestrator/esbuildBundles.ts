import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BundleRecord, freshBundleRecord } from './bundleRecord.mjs';

/**
 * The repository's entry points as local runs start them: esbuild bundles cached under
 * `.cache/bundles/`, which start in about half the time of compiling every imported file with
 * tsx on each start.
 *
 * - a pipeline container: the same bundle the image runs (containers/Dockerfile); a day's run
 *   starts one loader per source and day and one process per model use case;
 * - the command line (`npx etl`, bin/etl.mjs): split into chunks, so that what only some
 *   commands need (synthesizing the stack with aws-cdk-lib) is loaded only when they need it.
 *
 * A bundle is rebuilt when any file it was built from changed since (esbuild's metafile lists
 * them): editing src/ and re-running needs no build step.
 */

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What the image's bundle leaves out (test/infra/loaderImageBundle.test.ts holds the Dockerfile to it). */
export const containerBundleExternals = [
  '@duckdb/node-api',
  '@duckdb/node-bindings',
  '@duckdb/node-bindings-*',
] as const;
/** ESM bundles still meet CommonJS dependencies that call `require` (the AWS SDK's, for one). */
export const containerBundleBanner =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Left to node_modules by the command line's bundle: native code (DuckDB, esbuild), and the
 * CDK libraries, which only a stale state-machine definition loads.
 */
const commandLineExternals = [
  ...containerBundleExternals,
  'esbuild',
  'tsx',
  'aws-cdk-lib',
  'aws-cdk-lib/*',
  'cdk-nag',
  'constructs',
];

/** The entrypoint of a pipeline container (containers/<name>/entrypoint.ts). */
export const containerEntrypoint = (container: string, root = repositoryRoot): string =>
  join(root, 'containers', container, 'entrypoint.ts');

interface BundleSpec {
  /** The record is `<name>.inputs.json` (bin/etl.mjs reads the command line's, `etl.inputs.json`). */
  readonly name: string;
  readonly entryPoint: string;
  readonly external: readonly string[];
  /** Chunks loaded when first imported, named by their content (`chunk-<hash>.mjs`). */
  readonly splitting: boolean;
}

/**
 * The path of an up-to-date bundle, built if needed. Concurrent callers may both build; each
 * builds in a folder of its own and renames its files into place, the entry after the chunks it
 * imports and the record last, so a reader never sees half a bundle, and a bundle never passes
 * for newer than it is. A chunk's name is its content's hash: a rename over another build's
 * chunk of the same name puts the same bytes there.
 */
async function cachedBundle(spec: BundleSpec, root: string): Promise<string> {
  const cacheDirectory = join(root, '.cache', 'bundles');
  const recordPath = join(cacheDirectory, `${spec.name}.inputs.json`);
  const fresh = await freshBundleRecord(root, recordPath);
  if (fresh) return join(cacheDirectory, fresh.entry);
  await mkdir(cacheDirectory, { recursive: true });
  // Lazily: esbuild is needed only when a bundle is stale, and never in AWS.
  const { build } = await import('esbuild');
  const building = await mkdtemp(join(cacheDirectory, `${spec.name}-`));
  const builtAt = Date.now();
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [spec.entryPoint],
      bundle: true,
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      format: 'esm',
      // Linked, not inline: an inline map is parsed on every start even when unused (it
      // tripled the start time). NODE_OPTIONS=--enable-source-maps maps stack traces.
      sourcemap: 'linked',
      external: [...spec.external],
      banner: { js: containerBundleBanner },
      outdir: building,
      ...(spec.splitting
        ? { splitting: true, entryNames: `${spec.name}-[hash]`, chunkNames: 'chunk-[hash]' }
        : { entryNames: spec.name }),
      outExtension: { '.js': '.mjs' },
      metafile: true,
      logLevel: 'silent',
    });
    // Dependencies change with the lockfile; watching it spares a stat of every SDK file.
    const inputs = [
      'package-lock.json',
      ...Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('node_modules/')),
    ];
    const entry = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint)?.[0];
    if (!entry) throw new Error(`esbuild wrote no entry file for ${spec.entryPoint}`);
    const entryName = basename(entry);
    const files = (await readdir(building)).sort(
      (a, b) => Number(a.startsWith(entryName)) - Number(b.startsWith(entryName)),
    );
    for (const file of files) await rename(join(building, file), join(cacheDirectory, file));
    await writeFile(
      join(building, 'record.json'),
      JSON.stringify({ builtAt, inputs, entry: entryName } satisfies BundleRecord),
    );
    await rename(join(building, 'record.json'), recordPath);
    if (spec.splitting) await removeOldChunks(cacheDirectory, spec.name, builtAt);
    return join(cacheDirectory, entryName);
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

/**
 * Entries and chunks of earlier builds, a day after they were replaced: a command line that is
 * still running may yet import a chunk of the build it started from.
 */
async function removeOldChunks(cacheDirectory: string, name: string, builtAt: number): Promise<void> {
  const dayAgo = builtAt - 24 * 3600 * 1000;
  for (const file of await readdir(cacheDirectory)) {
    if (!(file.startsWith('chunk-') || file.startsWith(`${name}-`)) || !/\.mjs(\.map)?$/.test(file)) continue;
    const path = join(cacheDirectory, file);
    const modified = await stat(path).then(
      (s) => s.mtimeMs,
      () => builtAt,
    );
    if (modified < dayAgo) await rm(path, { force: true });
  }
}

/** The path of an up-to-date bundle of `container`, built if needed. */
export function containerBundle(container: string, root = repositoryRoot): Promise<string> {
  return cachedBundle(
    {
      name: container,
      entryPoint: containerEntrypoint(container, root),
      external: containerBundleExternals,
      splitting: false,
    },
    root,
  );
}

/** The path of an up-to-date bundle of the command line (bin/etl.ts), built if needed. */
export function commandLineBundle(root = repositoryRoot): Promise<string> {
  return cachedBundle(
    { name: 'etl', entryPoint: join(root, 'bin', 'etl.ts'), external: commandLineExternals, splitting: true },
    root,
  );
}
