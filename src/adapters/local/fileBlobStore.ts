import { randomUUID } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobObject, BlobStore, IfAbsentOutcome } from '../../ports/blobStore.ts';

async function walk(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat();
}

/** Folders under `dir` that hold nothing at all (a writer made them, then died before its first file). */
async function emptyFolders(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const nested = await Promise.all(
    entries.filter((e) => e.isDirectory()).map((e) => emptyFolders(join(dir, e.name))),
  );
  return entries.length === 0 ? [`${dir}/`] : nested.flat();
}

/**
 * The blob store of the local lake: URIs are absolute paths. Writes go to a temporary name
 * first and are renamed (or, where nothing may be replaced, linked) into place, so a reader
 * never sees half an object.
 */
export class FileBlobStore implements BlobStore {
  async list(prefix: string): Promise<BlobObject[]> {
    const dir = prefix.endsWith('/') ? prefix : dirname(prefix);
    const files = (await walk(dir)).filter((f) => f.startsWith(prefix) && !f.endsWith('.partial'));
    files.sort();
    // A file removed between the directory read and its stat was there a moment ago and is
    // gone now: like S3's list, a snapshot that leaves it out, not an error.
    const sized = await Promise.all(
      files.map(async (uri) => {
        try {
          return { uri, size: (await stat(uri)).size };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw error;
        }
      }),
    );
    return sized.filter((object): object is BlobObject => object !== undefined);
  }

  async listIncompleteUploads(prefix: string): Promise<string[]> {
    const dir = prefix.endsWith('/') ? prefix : dirname(prefix);
    const partial = (await walk(dir)).filter((f) => f.startsWith(prefix) && f.endsWith('.partial'));
    const bare = (await emptyFolders(dir)).filter((f) => f.startsWith(prefix) && f !== prefix);
    return [...partial, ...bare].sort();
  }

  async read(uri: string): Promise<Readable> {
    await stat(uri); // fail here, with ENOENT, rather than later inside a pipeline
    return createReadStream(uri, { highWaterMark: 1 << 20 });
  }

  async readFrom(uri: string, start: number): Promise<Readable> {
    await stat(uri);
    return createReadStream(uri, { highWaterMark: 1 << 20, start });
  }

  async upload(localPath: string, uri: string): Promise<void> {
    await mkdir(dirname(uri), { recursive: true });
    await copyFile(localPath, `${uri}.partial`);
    await rename(`${uri}.partial`, uri);
  }

  async copy(fromUri: string, toUri: string): Promise<void> {
    await this.upload(fromUri, toUri);
  }

  /**
   * The copy goes to a temporary file of its own, created exclusively (`wx`: never someone
   * else's), and is then hard-linked to its name. A link fails with EEXIST when the name is
   * taken, where a rename would replace it: the check and the write are one step of the file
   * system, so two landings at once cannot both win.
   */
  async uploadIfAbsent(localPath: string, uri: string): Promise<IfAbsentOutcome> {
    // copyFile opens the source before it creates the copy: a missing source leaves nothing (a
    // stream pipeline could create the partial file after its error had been cleaned up).
    return this.ifAbsent(uri, (partial) => copyFile(localPath, partial, constants.COPYFILE_EXCL));
  }

  private async ifAbsent(uri: string, write: (partial: string) => Promise<void>): Promise<IfAbsentOutcome> {
    await mkdir(dirname(uri), { recursive: true });
    const partial = `${uri}.${randomUUID()}.partial`;
    try {
      await write(partial);
      try {
        await link(partial, uri);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
        throw error;
      }
      return 'created';
    } finally {
      await rm(partial, { force: true });
    }
  }

  async putText(uri: string, text: string): Promise<void> {
    await mkdir(dirname(uri), { recursive: true });
    await writeFile(`${uri}.partial`, text);
    await rename(`${uri}.partial`, uri);
  }

  async putTextIfAbsent(uri: string, text: string): Promise<IfAbsentOutcome> {
    return this.ifAbsent(uri, (partial) => writeFile(partial, text, { flag: 'wx' }));
  }

  async getText(uri: string): Promise<string | undefined> {
    try {
      return await readFile(uri, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    if (prefix.endsWith('/')) await rm(prefix, { recursive: true, force: true });
    else await Promise.all(objects.map((o) => rm(o.uri, { force: true })));
    return objects.length;
  }
}
