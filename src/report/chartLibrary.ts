import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../domain/errors/pipelineError.ts';
import { chartLibraryFileName } from '../domain/report/runReportPage.ts';

/**
 * Reads Chart.js's self-contained build: beside a Lambda bundle (CDK copies it there), else
 * from the installed package (the command line, tests). CHART_LIBRARY_FILE overrides both.
 */
export async function readChartLibrary(): Promise<string> {
  const candidates = [
    process.env.CHART_LIBRARY_FILE,
    fileURLToPath(new URL(`./${chartLibraryFileName}`, import.meta.url)),
  ];
  try {
    candidates.push(join(dirname(fileURLToPath(import.meta.resolve('chart.js'))), chartLibraryFileName));
  } catch {
    // not installed beside this code (a Lambda bundle): the copy beside the bundle serves
  }
  const found = candidates.find((path): path is string => path !== undefined && existsSync(path));
  if (!found)
    throw new InternalError(`Chart.js (${chartLibraryFileName}) not found in ${candidates.join(', ')}`);
  return readFile(found, 'utf8');
}
