import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';

/**
 * Writes lines to a file in batches, under a temporary name renamed at the end: a generation
 * cut short never leaves a file a later benchmark would take for complete.
 */
export async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(`${path}.partial`);
  let batch: string[] = [];
  for (const line of lines) {
    batch.push(line);
    if (batch.length === 10_000) {
      if (!out.write(`${batch.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      batch = [];
    }
  }
  if (batch.length > 0) out.write(`${batch.join('\n')}\n`);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  await rename(`${path}.partial`, path);
}
