import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The sample exports of the original assignment, as bundled with the repository. */
export const sampleFiles = [
  fileURLToPath(new URL('../../localstack/samples/scraping_data.jsonl', import.meta.url)),
  fileURLToPath(new URL('../../localstack/samples/pricehubble-sample.json', import.meta.url)),
];

interface SampleRecord {
  id: string;
  raw_price: string;
  living_area: number;
  property_type: string;
  municipality: string;
  scraping_date: string;
}

/**
 * An independent oracle for the samples, written the plain way: the samples only use two
 * price spellings ('530 000€/mo.' and '530000.0€/mo'), so a few lines of JS decide what
 * must be kept. It shares no code with the loader.
 */
export async function expectedFromSample(
  file: string,
): Promise<{ read: number; kept: Record<string, unknown>[] }> {
  const text = await readFile(file, 'utf8');
  const records: SampleRecord[] = file.endsWith('.jsonl')
    ? text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as SampleRecord)
    : (JSON.parse(JSON.parse(text) as string) as SampleRecord[]);
  const kept = records
    .map((r) => {
      const price = Number(r.raw_price.replace(/€.*$/, '').replaceAll(' ', ''));
      const type = r.property_type.trim().toLowerCase();
      const perSqm = price / r.living_area;
      const valid =
        price > 0 &&
        ['apartment', 'house'].includes(type) &&
        r.living_area >= 10 &&
        r.living_area <= 500 &&
        perSqm >= 500 &&
        perSqm <= 15000;
      return valid
        ? {
            id: r.id,
            price,
            living_area: r.living_area,
            property_type: type,
            municipality: r.municipality,
            scraping_date: r.scraping_date,
          }
        : undefined;
    })
    .filter((r) => r !== undefined)
    .sort((a, b) => a.id.localeCompare(b.id));
  return { read: records.length, kept };
}
