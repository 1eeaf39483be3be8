import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandLineBundle, containerBundle } from '../../src/orchestrator/esbuildBundles.ts';

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

const runBundle = (bundle: string, ...args: string[]): string =>
  execFileSync(process.execPath, [bundle, ...args], { encoding: 'utf8' });

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

/** A repository whose command line loads one module only when asked to (a chunk of its own). */
function commandLineRepository(): string {
  const root = repository();
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'src', 'heavy.ts'), "export const heavy: string = 'loaded on demand';\n");
  writeFileSync(
    join(root, 'bin', 'etl.ts'),
    "import { greeting } from '../src/greeting.ts';\n" +
      "if (process.argv[2] === 'heavy') process.stdout.write((await import('../src/heavy.ts')).heavy);\n" +
      'else process.stdout.write(greeting);\n',
  );
  return root;
}

describe('the command line’s bundle', () => {
  let root: string;
  beforeEach(() => {
    root = commandLineRepository();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runs with plain node and loads a lazily imported module from a chunk of its own', async () => {
    const bundle = await commandLineBundle(root);
    expect(runBundle(bundle)).toBe('hello');
    expect(runBundle(bundle, 'heavy')).toBe('loaded on demand');
    const chunks = readdirSync(join(root, '.cache', 'bundles')).filter((f) => /^chunk-.*\.mjs$/.test(f));
    expect(chunks.length).toBeGreaterThan(0);
    expect(readFileSync(bundle, 'utf8')).not.toContain('loaded on demand');
    expect(await commandLineBundle(root)).toBe(bundle);
  });

  it('is rebuilt when a source changes, and removes what builds of more than a day ago left', async () => {
    const first = await commandLineBundle(root);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    for (const file of readdirSync(join(root, '.cache', 'bundles'))) {
      if (/^(chunk|etl)-/.test(file))
        utimesSync(join(root, '.cache', 'bundles', file), twoDaysAgo, twoDaysAgo);
    }
    const later = new Date(Date.now() + 5_000);
    writeFileSync(join(root, 'src', 'heavy.ts'), "export const heavy: string = 'changed';\n");
    utimesSync(join(root, 'src', 'heavy.ts'), later, later);

    const second = await commandLineBundle(root);
    expect(runBundle(second, 'heavy')).toBe('changed');
    // the old entry's chunk of heavy.ts is gone; what the new build wrote again is kept
    expect(second).not.toBe(first);
    expect(existsSync(first)).toBe(false);
    expect(runBundle(second)).toBe('hello');
  });
});
