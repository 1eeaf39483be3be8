import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containerBundle } from '../../src/orchestrator/containerBundle.ts';

/** A repository of one container whose entrypoint prints what a module it imports says. */
function repository(): string {
  const root = mkdtempSync(join(tmpdir(), 'container-bundle-'));
  mkdirSync(join(root, 'containers', 'greeter'), { recursive: true });
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'package-lock.json'), '{}');
  writeFileSync(join(root, 'src', 'greeting.ts'), "export const greeting: string = 'hello';\n");
  writeFileSync(
    join(root, 'containers', 'greeter', 'entrypoint.ts'),
    "import { greeting } from '../../src/greeting.ts';\nprocess.stdout.write(greeting);\n",
  );
  return root;
}

const runBundle = (bundle: string): string => execFileSync(process.execPath, [bundle], { encoding: 'utf8' });

describe('container bundles of the local runner', () => {
  let root: string;
  beforeEach(() => {
    root = repository();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds a bundle that runs with plain node, then reuses it while its sources are unchanged', async () => {
    const bundle = await containerBundle('greeter', root);
    expect(runBundle(bundle)).toBe('hello');
    const built = statSync(bundle).mtimeMs;
    expect(await containerBundle('greeter', root)).toBe(bundle);
    expect(statSync(bundle).mtimeMs).toBe(built);
  });

  it('rebuilds when a file it was built from changes, or the lockfile does', async () => {
    const bundle = await containerBundle('greeter', root);
    const later = new Date(Date.now() + 5_000);
    writeFileSync(join(root, 'src', 'greeting.ts'), "export const greeting: string = 'changed';\n");
    utimesSync(join(root, 'src', 'greeting.ts'), later, later);
    expect(runBundle(await containerBundle('greeter', root))).toBe('changed');

    const record = readFileSync(`${bundle.replace(/\.mjs$/, '')}.inputs.json`, 'utf8');
    const evenLater = new Date(Date.now() + 10_000);
    utimesSync(join(root, 'package-lock.json'), evenLater, evenLater);
    await containerBundle('greeter', root);
    expect(readFileSync(`${bundle.replace(/\.mjs$/, '')}.inputs.json`, 'utf8')).not.toBe(record);
  });

  it('gives every one of several concurrent callers a whole, runnable bundle', async () => {
    const bundles = await Promise.all([1, 2, 3, 4].map(() => containerBundle('greeter', root)));
    for (const bundle of bundles) expect(runBundle(bundle)).toBe('hello');
  });
});
