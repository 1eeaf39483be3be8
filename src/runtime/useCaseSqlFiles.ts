import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../domain/errors/pipelineError.ts';
import type { SqlUseCase } from '../domain/useCases/useCase.ts';

/**
 * Where the use-case SQL files are: beside the registry in the repository, `sql/` beside a
 * Lambda bundle (CDK copies them there), or the repository's, seen from the command line's
 * bundle in .cache/bundles/. USE_CASE_SQL_DIR overrides them.
 */
function sqlDirectory(): string {
  const candidates = [
    process.env.USE_CASE_SQL_DIR,
    fileURLToPath(new URL('./sql/', import.meta.url)),
    fileURLToPath(new URL('../domain/useCases/sql/', import.meta.url)),
    fileURLToPath(new URL('../../src/domain/useCases/sql/', import.meta.url)),
  ].filter((dir): dir is string => dir !== undefined);
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new InternalError(`Use-case SQL files not found in ${candidates.join(', ')}`);
  return found.endsWith('/') ? found : `${found}/`;
}

/** The SQL text of a use case (comments kept: Athena accepts them). */
export function readUseCaseSql(useCase: SqlUseCase): string {
  return readFileSync(`${sqlDirectory()}${useCase.sqlFile}`, 'utf8');
}
