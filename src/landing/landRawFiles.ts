import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { type LakeZones, rawPrefix, type SourceDay } from '../domain/lake/lakeLayout.ts';
import { RawLandingConflictError } from '../jobs/loader/loaderErrors.ts';
import type { BlobStore } from '../ports/blobStore.ts';
import type { Logger } from '../ports/logger.ts';

async function sha256(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface LandedFile {
  readonly file: string;
  readonly uri: string;
  /** False when the same content was already there (landing is idempotent). */
  readonly copied: boolean;
}

/**
 * Puts local files into the raw zone for a source and day. The raw zone is never modified:
 * landing identical content again is a no-op, landing different content under a name that
 * exists is refused.
 */
export async function landRawFiles(
  files: readonly string[],
  day: SourceDay,
  ports: { blobs: BlobStore; zones: LakeZones; log: Logger },
): Promise<LandedFile[]> {
  const landed: LandedFile[] = [];
  const existing = new Map((await ports.blobs.list(rawPrefix(ports.zones, day))).map((o) => [o.uri, o.size]));
  for (const file of files) {
    const size = (await stat(file)).size;
    const uri = `${rawPrefix(ports.zones, day)}${basename(file)}`;
    const there = existing.get(uri);
    if (there !== undefined) {
      const same =
        there === size &&
        (await sha256(createReadStream(file))) === (await sha256(await ports.blobs.read(uri)));
      if (!same) {
        throw new RawLandingConflictError(
          `${uri} already exists with different content. The raw zone is never modified: land the new file under ` +
            'another name (e.g. with a time suffix), or remove the old object deliberately first.',
        );
      }
      landed.push({ file, uri, copied: false });
      ports.log.info('already landed', { file: basename(file), uri });
      continue;
    }
    await ports.blobs.upload(file, uri);
    landed.push({ file, uri, copied: true });
    ports.log.info('landed', { file: basename(file), uri, bytes: size });
  }
  return landed;
}
