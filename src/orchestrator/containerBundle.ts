import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A pipeline container as the local runner starts it: the same esbuild bundle the image runs
 * (containers/Dockerfile), cached under `.cache/bundles/`. Starting a bundle costs about half
 * of starting the entrypoint through tsx, which compiles every imported file on each start;
 * a day's run starts one loader per source and day and one process per model use case.
 *
 * The bundle is rebuilt when any file it was built from changed since (esbuild's metafile
 * lists them): editing src/ and re-running needs no build step.
 */

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What the image's bundle leaves out (test/infra/containerBundle.test.ts holds the Dockerfile to it). */
export const containerBundleExternals = [
  '@duckdb/node-api',
  '@duckdb/node-bindings',
  '@duckdb/node-bindings-*',
] as const;
/** ESM bundles still meet CommonJS dependencies that call `require` (the AWS SDK's, for one). */
export const containerBundleBanner =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** The entrypoint of a pipeline container (containers/<name>/entrypoint.ts). */
export const containerEntrypoint = (container: string, root = repositoryRoot): string =>
  join(root, 'containers', container, 'entrypoint.ts');

interface BundleRecord {
  /** When the build started: a file changed after that may not be in the bundle. */
  readonly builtAt: number;
  /** Repository-relative paths of every file the bundle was built from, and the lockfile. */
  readonly inputs: readonly string[];
}

async function modifiedAfter(path: string, time: number): Promise<boolean> {
  try {
    return (await stat(path)).mtimeMs > time;
  } catch {
    return true; // gone: the bundle no longer matches the sources
  }
}

async function isFresh(root: string, bundle: string, record: string): Promise<boolean> {
  let builtAt: number;
  let inputs: readonly string[];
  try {
    await stat(bundle);
    ({ builtAt, inputs } = JSON.parse(await readFile(record, 'utf8')) as BundleRecord);
  } catch {
    return false;
  }
  const changed = await Promise.all(inputs.map((input) => modifiedAfter(join(root, input), builtAt)));
  return !changed.includes(true);
}

/**
 * The path of an up-to-date bundle of `container`, built if needed. Concurrent callers may
 * both build; each builds in a folder of its own and renames, so a reader never sees half a
 * file, and the record of inputs is renamed last, so a bundle never passes for newer than it is.
 */
export async function containerBundle(container: string, root = repositoryRoot): Promise<string> {
  const cacheDirectory = join(root, '.cache', 'bundles');
  const bundle = join(cacheDirectory, `${container}.mjs`);
  const record = join(cacheDirectory, `${container}.inputs.json`);
  if (await isFresh(root, bundle, record)) return bundle;
  await mkdir(cacheDirectory, { recursive: true });
  // Lazily: esbuild is needed only when a bundle is stale, and never in AWS.
  const { build } = await import('esbuild');
  // Built in a folder of its own, under its final name (the source map link names the file).
  const building = await mkdtemp(join(cacheDirectory, `${container}-`));
  const builtAt = Date.now();
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [containerEntrypoint(container, root)],
      bundle: true,
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      format: 'esm',
      // Linked, not inline: an inline map is parsed on every start even when unused (it
      // tripled the start time). NODE_OPTIONS=--enable-source-maps maps stack traces.
      sourcemap: 'linked',
      external: [...containerBundleExternals],
      banner: { js: containerBundleBanner },
      outfile: join(building, `${container}.mjs`),
      metafile: true,
      logLevel: 'silent',
    });
    // Dependencies change with the lockfile; watching it spares a stat of every SDK file.
    const inputs = [
      'package-lock.json',
      ...Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('node_modules/')),
    ];
    await writeFile(
      join(building, 'inputs.json'),
      JSON.stringify({ builtAt, inputs } satisfies BundleRecord),
    );
    await rename(join(building, `${container}.mjs.map`), `${bundle}.map`);
    await rename(join(building, `${container}.mjs`), bundle);
    await rename(join(building, 'inputs.json'), record);
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return bundle;
}
