import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { messyOfferLines } from '../generator/messyOffers.ts';
import type { Logger } from '../ports/logger.ts';

/** `etl generate`: realistic messy offers as JSON Lines (gzip when the name ends in .gz). */
export async function generateOffers(rows: number, out: string, seed: number, log: Logger): Promise<void> {
  const progressEvery = 1_000_000;
  async function* chunks(): AsyncGenerator<string> {
    let batch: string[] = [];
    let written = 0;
    for (const line of messyOfferLines(rows, seed)) {
      batch.push(line);
      if (batch.length === 10_000) {
        yield `${batch.join('\n')}\n`;
        written += batch.length;
        batch = [];
        if (written % progressEvery === 0)
          log.info(`generated ${written.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows`);
      }
    }
    if (batch.length > 0) yield `${batch.join('\n')}\n`;
  }
  if (out.endsWith('.gz')) await pipeline(Readable.from(chunks()), createGzip(), createWriteStream(out));
  else await pipeline(Readable.from(chunks()), createWriteStream(out));
  log.info(`wrote ${rows.toLocaleString('en-US')} rows to ${out}`);
}
