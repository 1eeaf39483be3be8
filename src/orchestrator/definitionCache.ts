import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the synthesized definition depends on: if none of it changed, the cached one is it. */
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const inputs = ['lib', 'bin/cdk.ts', 'cdk.json', 'src/domain', 'package-lock.json'];

async function files(path: string): Promise<string[]> {
  const full = join(repositoryRoot, path);
  if (!existsSync(full)) return [];
  const entries = await readdir(full, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return [full];
  const nested = await Promise.all(entries.map((e) => files(join(path, e.name))));
  return nested.flat();
}

async function fingerprint(environment: string): Promise<string> {
  const hash = createHash('sha256').update(environment);
  const all = (await Promise.all(inputs.map(files))).flat().sort();
  for (const file of all) hash.update(relative(repositoryRoot, file)).update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Returns the value cached for the current sources, or computes and caches it. Synthesis
 * costs seconds (aws-cdk-lib alone takes ~2 s to load); a warm local run should not pay it.
 */
export async function cachedBySources<T>(environment: string, compute: () => Promise<T>): Promise<T> {
  const directory = join(repositoryRoot, '.cache', 'state-machine');
  const path = join(directory, `${environment}-${await fingerprint(environment)}.json`);
  if (existsSync(path)) return JSON.parse(await readFile(path, 'utf8')) as T;
  const value = await compute();
  await mkdir(directory, { recursive: true });
  await writeFile(`${path}.partial`, JSON.stringify(value));
  await rename(`${path}.partial`, path);
  return value;
}
