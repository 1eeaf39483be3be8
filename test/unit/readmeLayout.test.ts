import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../support/cli.ts';

/** The folders the README's layout table names, in its first column. */
function foldersInReadme(): string[] {
  const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Repository layout'));
  return [...section.matchAll(/^\| `([^`]+)\/` \|/gm)].map((m) => m[1] as string);
}

/** Folders git keeps, not what tools make (the ones .gitignore names: dependencies, caches, the local lake). */
const notProjectFolders = new Set([
  '.git',
  ...readFileSync(join(repositoryRoot, '.gitignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim().replace(/^\/|\/$/g, ''))
    .filter((line) => line !== '' && !line.includes('*')),
]);

function folders(under: string): string[] {
  return readdirSync(join(repositoryRoot, under), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !notProjectFolders.has(entry.name))
    .map((entry) => (under === '.' ? entry.name : `${under}/${entry.name}`));
}

describe("the README's repository layout", () => {
  it('names only folders that exist', () => {
    const listed = foldersInReadme();
    expect(listed.length).toBeGreaterThan(15);
    for (const folder of listed)
      expect(statSync(join(repositoryRoot, folder)).isDirectory(), folder).toBe(true);
  });

  it('names every folder of the top level and of src/', () => {
    const listed = new Set(foldersInReadme());
    const present = [...folders('.').filter((f) => f !== 'src'), ...folders('src')];
    expect(present.filter((folder) => !listed.has(folder))).toEqual([]);
  });
});
