import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rawPrefix, type SourceDay } from '../../src/domain/lake/lakeLayout.ts';
import type { LakeConnection } from '../../src/runtime/lakeConnection.ts';

/** Puts one raw object of a day into a local lake's raw zone, as a landing would. */
export async function landRawFile(
  lake: LakeConnection,
  day: SourceDay,
  name: string,
  content: Buffer | string,
): Promise<void> {
  const dir = rawPrefix(lake.zones, day);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), content);
}
