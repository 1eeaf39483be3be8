import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the Docker build context of the loader and the project root of the
 * Lambda bundles. Derived from this file's location, so the app works from any cwd
 * (the CDK CLI, vitest, the local runner).
 */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
