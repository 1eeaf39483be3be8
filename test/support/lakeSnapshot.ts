import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every file and directory under `root`, relative to it: files with a hash of their content. */
export async function lakeSnapshot(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const snapshot: Record<string, string> = {};
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    snapshot[relative(root, path)] = entry.isDirectory()
      ? 'directory'
      : createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
  }
  return Object.fromEntries(Object.entries(snapshot).sort(([a], [b]) => a.localeCompare(b)));
}
