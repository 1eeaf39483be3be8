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

interface LandingPorts {
  readonly blobs: BlobStore;
  readonly zones: LakeZones;
  readonly log: Logger;
}

const neverModified =
  'The raw zone is never modified: land the new file under another name (e.g. with a time suffix), ' +
  'or remove the old object deliberately first.';

/** The raw zone keys a file by its name: two files of one name would be one object. */
function refuseSharedNames(files: readonly string[]): void {
  const byName = new Map<string, string>();
  for (const file of files) {
    const other = byName.get(basename(file));
    if (other !== undefined) {
      throw new RawLandingConflictError(
        `${other} and ${file} would both land as ${basename(file)}; nothing was landed. ` +
          'Give each file once, under a name of its own.',
      );
    }
    byName.set(basename(file), file);
  }
}

async function sameContent(blobs: BlobStore, file: string, uri: string): Promise<boolean> {
  return (await sha256(createReadStream(file))) === (await sha256(await blobs.read(uri)));
}

/**
 * Puts local files into the raw zone for a source and day. The raw zone is never modified:
 * landing identical content again is a no-op, landing different content under a name that
 * exists is refused, and so are two files of one name. Files that conflict with what is
 * already there are refused before any is copied; each copy is then a write-if-absent in the
 * store itself, so a landing racing this one cannot be overwritten, nor overwrite it.
 */
export async function landRawFiles(
  files: readonly string[],
  day: SourceDay,
  ports: LandingPorts,
): Promise<LandedFile[]> {
  refuseSharedNames(files);
  const prefix = rawPrefix(ports.zones, day);
  const existing = new Map((await ports.blobs.list(prefix)).map((o) => [o.uri, o.size]));
  const plan: { file: string; uri: string; size: number; there: boolean }[] = [];
  for (const file of files) {
    const size = (await stat(file)).size;
    const uri = `${prefix}${basename(file)}`;
    const there = existing.get(uri);
    if (there !== undefined && (there !== size || !(await sameContent(ports.blobs, file, uri)))) {
      throw new RawLandingConflictError(`${uri} already exists with different content. ${neverModified}`);
    }
    plan.push({ file, uri, size, there: there !== undefined });
  }
  const landed: LandedFile[] = [];
  const alreadyLanded = (file: string, uri: string): void => {
    landed.push({ file, uri, copied: false });
    ports.log.info('already landed', { file: basename(file), uri });
  };
  for (const { file, uri, size, there } of plan) {
    if (there) {
      alreadyLanded(file, uri);
    } else if ((await ports.blobs.uploadIfAbsent(file, uri)) === 'created') {
      landed.push({ file, uri, copied: true });
      ports.log.info('landed', { file: basename(file), uri, bytes: size });
    } else if (await sameContent(ports.blobs, file, uri)) {
      // Another landing wrote this name since the listing above, with the same bytes.
      alreadyLanded(file, uri);
    } else {
      throw new RawLandingConflictError(
        `${uri} was landed by another landing at the same time, with different content. ${neverModified}`,
      );
    }
  }
  return landed;
}
