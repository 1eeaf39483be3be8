// The record of a cached esbuild bundle, and whether it is still fresh. Plain JavaScript: the
// command line's launcher (bin/etl.mjs) asks it before anything can compile TypeScript.
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

async function modifiedAfter(path, time) {
  try {
    return (await stat(path)).mtimeMs > time;
  } catch {
    return true; // gone: the bundle no longer matches the sources
  }
}

/**
 * The record at `recordPath` when its entry file exists and none of its inputs (paths relative
 * to `root`) changed after it was built; undefined when the bundle must be built again.
 *
 * @param {string} root
 * @param {string} recordPath
 * @returns {Promise<import('./bundleRecord.d.mts').BundleRecord | undefined>}
 */
export async function freshBundleRecord(root, recordPath) {
  let record;
  try {
    record = JSON.parse(await readFile(recordPath, 'utf8'));
    await stat(join(dirname(recordPath), record.entry));
  } catch {
    return undefined;
  }
  const changed = await Promise.all(
    record.inputs.map((input) => modifiedAfter(join(root, input), record.builtAt)),
  );
  return changed.includes(true) ? undefined : record;
}
