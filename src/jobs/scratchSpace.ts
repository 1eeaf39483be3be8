import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '../domain/errors/pipelineError.ts';
import { processGone } from '../leases/processGone.ts';
import type { Logger } from '../ports/logger.ts';

export class ScratchDiskFullError extends PipelineError {
  override readonly name = 'ScratchDiskFullError';
}

interface ScratchOwner {
  readonly pid: number;
  readonly host: string;
  readonly runId: string;
  readonly startedAt: string;
}

const ownerFile = 'owner.json';

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  const entries = await readdir(path).catch(() => []);
  const sizes = await Promise.all(entries.map((entry) => sizeOf(join(path, entry))));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/**
 * Removes the scratch folders of `kind` that killed runs left in `workDir` (a process killed
 * with -9 cleans up nothing): each folder names its owner, and a folder whose owner process is
 * gone from this machine is garbage. Says what it removed.
 */
async function removeLeftovers(workDir: string, kind: string, log: Logger): Promise<void> {
  const entries = await readdir(workDir, { withFileTypes: true }).catch(() => []);
  let folders = 0;
  let bytes = 0;
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(`${kind}-`)) continue;
    const path = join(workDir, entry.name);
    const owner =
      (await readFile(join(path, ownerFile), 'utf8')
        .then((text) => JSON.parse(text) as ScratchOwner)
        .catch(() => undefined)) ?? ownerInName(entry.name);
    if (!owner || !processGone(owner)) continue;
    bytes += await sizeOf(path);
    await rm(path, { recursive: true, force: true });
    folders++;
  }
  if (folders > 0) {
    log.warn(`removed ${folders} scratch folder(s) left by killed runs`, {
      workDir,
      megabytes: Math.round(bytes / 1e5) / 10,
    });
  }
}

/** The owner a folder's name gives (`<kind>-<run id>-p<pid>-<random>`): made on this machine. */
function ownerInName(name: string): Pick<ScratchOwner, 'pid' | 'host'> | undefined {
  const pid = /-p(\d+)-[A-Za-z0-9]{6}$/.exec(name)?.[1];
  return pid === undefined ? undefined : { pid: Number(pid), host: hostname() };
}

/** A fresh scratch folder for one job in `workDir`, after removing what killed runs left there. */
export async function openScratch(
  workDir: string,
  kind: string,
  runId: string,
  log: Logger,
): Promise<string> {
  await mkdir(workDir, { recursive: true });
  await removeLeftovers(workDir, kind, log);
  // The name says whose the folder is from the moment it exists: a run killed before it has
  // written its owner file (or while writing it) still leaves a folder the next run can judge.
  const path = await mkdtemp(join(workDir, `${kind}-${runId}-p${process.pid}-`));
  const owner: ScratchOwner = {
    pid: process.pid,
    host: hostname(),
    runId,
    startedAt: new Date().toISOString(),
  };
  await writeFile(join(path, ownerFile), JSON.stringify(owner));
  return path;
}

/** The error to report when `error` says the scratch disk is full, else undefined. */
export function scratchDiskFull(error: unknown, workDir: string): ScratchDiskFullError | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const message = (error as Error | null)?.message ?? '';
  const full =
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    /No space left on device|could not write .*disk|Out of disk space/i.test(message);
  if (!full) return undefined;
  return new ScratchDiskFullError(
    `The scratch disk where ${workDir} is ran full (${message.split('\n')[0]}). Nothing was published. ` +
      'In AWS, give the task more ephemeral storage: `loader.ephemeralStorageGiB` of the environment in ' +
      'lib/config/environments.ts (Fargate allows up to 200 GiB), then redeploy and re-run the day. Locally, free ' +
      'space on that disk (`df -h`) or point TMPDIR at a larger one, and re-run.',
    { cause: error },
  );
}
