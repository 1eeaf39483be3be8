import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the Docker build context of the loader and the project root of the
 * Lambda bundles. The nearest folder above this file that holds cdk.json, so the app works
 * from any cwd (the CDK CLI, vitest, the local runner) and from the command line's bundle in
 * .cache/bundles/.
 */
function nearestWithCdkJson(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'cdk.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No cdk.json in any folder above ${from}`);
  }
}

export const repositoryRoot = nearestWithCdkJson(dirname(fileURLToPath(import.meta.url)));
