import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failureTableMarkdown } from '../../src/docs/failureTable.ts';
import { withReadmeSection } from '../../src/docs/readmeSections.ts';
import { errorCatalog, errorNamesOf } from '../../src/domain/errors/errorCatalog.ts';
import { errorCategories } from '../../src/domain/errors/errorCategory.ts';
import { categoryOf, InternalError, PipelineError } from '../../src/domain/errors/pipelineError.ts';
import { DataQualityError } from '../../src/jobs/loader/loaderErrors.ts';
import { repositoryRoot } from '../support/cli.ts';

/** Every TypeScript file of the code (not the tests), relative to the repository root. */
function sourceFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(repositoryRoot, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    });
  return ['src', 'lib', 'bin', 'lambdas', 'containers'].flatMap(walk);
}

/** `class X extends Y` declarations, with the `name` each class gives its errors. */
function errorClasses(): { file: string; name: string; base: string; errorName: string | undefined }[] {
  return sourceFiles().flatMap((file) => {
    const text = readFileSync(join(repositoryRoot, file), 'utf8');
    return [...text.matchAll(/class (\w+) extends (\w+)[^{]*\{([\s\S]*?)\n\}/g)].map((match) => ({
      file,
      name: match[1] as string,
      base: match[2] as string,
      errorName: /readonly name = '(\w+)'/.exec(match[3] as string)?.[1],
    }));
  });
}

describe('the error catalog', () => {
  const classes = errorClasses();
  const errors = classes.filter((c) => c.base === 'Error' || c.base === 'PipelineError');

  it('is the only way to define an error: every error class extends PipelineError', () => {
    // TaskError stands for errors of AWS services (their names are AWS's, not ours).
    const direct = errors.filter(
      (c) => c.base === 'Error' && c.name !== 'PipelineError' && c.name !== 'TaskError',
    );
    expect(direct.map((c) => `${c.file}: ${c.name}`)).toEqual([]);
  });

  it('has an entry for every error class, named like the class, and no entry without a class', () => {
    const pipelineErrors = errors.filter((c) => c.base === 'PipelineError');
    for (const error of pipelineErrors)
      expect(error.errorName, `${error.file}: ${error.name}`).toBe(error.name);
    expect(pipelineErrors.map((c) => c.name).sort()).toEqual(Object.keys(errorCatalog).sort());
  });

  it('gives every error a category, from the catalog', () => {
    expect(new DataQualityError('too many rejects').category).toBe('data');
    expect(new InternalError('broken').category).toBe('bug');
    expect(categoryOf(new Error('anything else'))).toBe('bug');
    expect(new DataQualityError('x')).toBeInstanceOf(PipelineError);
    expect(errorNamesOf('environment')).toContain('CleaningEngineError');
    expect(errorNamesOf('environment')).not.toContain('DataQualityError');
  });

  it('retries exactly the environment category', () => {
    const retried = Object.entries(errorCategories)
      .filter(([, c]) => c.retried)
      .map(([name]) => name);
    expect(retried).toEqual(['environment']);
  });

  it('README.md shows the failure table generated from it (else: npx tsx bin/writeDocs.ts)', () => {
    const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
    expect(readme).toBe(withReadmeSection(readme, 'failure table', failureTableMarkdown()));
    for (const name of Object.keys(errorCatalog)) expect(readme).toContain(`| \`${name}\` |`);
  });
});

describe('errorClasses scan', () => {
  it('finds the classes it is meant to find', () => {
    const found = errorClasses().map((c) => c.name);
    expect(found).toContain('DataQualityError');
    expect(found).toContain('TaskError');
  });
});
