import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelineError } from '../../domain/errors/pipelineError.ts';
import { zonesUnder } from '../../domain/lake/lakeLayout.ts';
import { shellQuote } from '../../domain/notifications/shellQuote.ts';

/**
 * The local catalog file cannot be read as a catalog. Its writes are atomic renames, so this
 * comes from outside the pipeline (a disk, a copy cut short, a hand edit); the file is left as
 * it is. The message names the file and says what rebuilding means here.
 */
export class CorruptCatalogError extends PipelineError {
  override readonly name = 'CorruptCatalogError';
}

/** The days of the raw zone (`raw/source=<s>/dt=<d>/`): what re-running can register again. */
async function landedDays(lakeRoot: string): Promise<string[]> {
  const raw = zonesUnder(lakeRoot).raw;
  const days = new Set<string>();
  const sources = await readdir(raw).catch(() => [] as string[]);
  for (const source of sources.filter((s) => s.startsWith('source='))) {
    for (const day of await readdir(join(raw, source)).catch(() => [] as string[])) {
      if (day.startsWith('dt=')) days.add(day.slice('dt='.length));
    }
  }
  return [...days].sort();
}

export async function corruptCatalogError(
  path: string,
  lakeRoot: string,
  problem: string,
): Promise<CorruptCatalogError> {
  const days = await landedDays(lakeRoot);
  const shown =
    days.length > 10 ? `${days.slice(0, 10).join(', ')} and ${days.length - 10} more` : days.join(', ');
  const rerun = `npx etl run --date D --lake ${shellQuote(lakeRoot)}`;
  const rebuild =
    days.length === 0
      ? 'The raw zone holds no day to re-run: restore the file from a backup.'
      : `Rebuild it: restore the file from a backup, or move it aside (mv ${shellQuote(path)} ${shellQuote(`${path}.damaged`)}) ` +
        `and re-run every day the raw zone holds (${days.length}: ${shown}), ${rerun} for each day D. ` +
        'Each run registers its day again; a day not re-run yet stays invisible to queries.';
  return new CorruptCatalogError(
    `The local catalog ${path} is damaged: ${problem}. Nothing was changed: no run can publish and no query can ` +
      `read the lake until it is repaired. The catalog is only the lake's index: the data is still under ` +
      `${zonesUnder(lakeRoot).curated} and ${zonesUnder(lakeRoot).results}. ${rebuild}`,
  );
}
