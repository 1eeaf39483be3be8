import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../support/cli.ts';

/** Every import of every TypeScript file under `folder`: the importing file and where it points. */
function importsUnder(folder: string): { file: string; target: string }[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(repositoryRoot, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    });
  return walk(folder).flatMap((file) => {
    const text = readFileSync(join(repositoryRoot, file), 'utf8');
    const specifiers = [
      ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms),
      ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g),
      ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
    ].map((m) => m[1] as string);
    return specifiers.map((specifier) => ({
      file,
      // a relative import as a path from the repository root; a package as its name
      target: specifier.startsWith('.') ? normalize(join(dirname(file), specifier)) : specifier,
    }));
  });
}

const isInside = (target: string, folder: string): boolean => !relative(folder, target).startsWith('..');

describe('import boundaries', () => {
  it('the domain imports only itself, zod and pure Node modules: no ports, adapters, runtime, lib or files', () => {
    const allowedPackages = ['zod', 'node:crypto', 'node:buffer'];
    const outside = importsUnder('src/domain').filter(
      ({ target }) => !(isInside(target, 'src/domain') || allowedPackages.includes(target)),
    );
    expect(outside.map(({ file, target }) => `${file} -> ${target}`)).toEqual([]);
  });

  it('the ports import only the domain (and Node types)', () => {
    const outside = importsUnder('src/ports').filter(
      ({ target }) =>
        !(isInside(target, 'src/domain') || isInside(target, 'src/ports') || target === 'node:stream'),
    );
    expect(outside.map(({ file, target }) => `${file} -> ${target}`)).toEqual([]);
  });

  it('lib/ imports only itself, the domain and the CDK (aws-cdk-lib, constructs, cdk-nag)', () => {
    const allowed = (target: string): boolean =>
      isInside(target, 'lib') ||
      isInside(target, 'src/domain') ||
      /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/.test(target) ||
      ['zod', 'node:path', 'node:fs', 'node:url'].includes(target);
    const outside = importsUnder('lib').filter(({ target }) => !allowed(target));
    expect(outside.map(({ file, target }) => `${file} -> ${target}`)).toEqual([]);
  });

  it('finds imports where they are (the scan itself works)', () => {
    const lib = importsUnder('lib');
    expect(lib).toContainEqual({ file: 'lib/listingsPipelineStack.ts', target: 'aws-cdk-lib' });
    expect(lib.some(({ target }) => target.startsWith('src/domain/'))).toBe(true);
    expect(importsUnder('src/cli').some(({ target }) => target.startsWith('src/adapters/'))).toBe(true);
  });
});
