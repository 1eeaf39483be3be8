import type { TableDefinition } from '../../../src/domain/tables/tableSchema.ts';
import type { ModelUseCase, SqlUseCase } from '../../../src/domain/useCases/useCase.ts';

const dtKey = [{ name: 'dt', type: 'string', comment: 'Run date' }] as const;

const resultTable = (name: string): TableDefinition => ({
  name,
  zone: 'results',
  description: `test table ${name}`,
  columns: [{ name: 'municipality', type: 'string', comment: 'm' }],
  partitionKeys: dtKey,
});

/** A SQL use case beyond the registry's: its table must be writable by RunSqlUseCase only. */
export const exampleSqlUseCase: SqlUseCase = {
  kind: 'sql',
  name: 'median_price_by_municipality',
  description: 'test SQL use case',
  reads: ['listings'],
  sqlFile: 'median_price_by_municipality.sql',
  table: resultTable('median_price_by_municipality'),
};

/** A second model use case: a job, an entrypoint and this registry entry, nothing else. */
export const secondModelUseCase: ModelUseCase = {
  kind: 'model',
  name: 'rent_model',
  description: 'test model use case',
  reads: ['listings'],
  container: 'rentModel',
  tables: [resultTable('rent_model_predictions'), resultTable('rent_model_metrics')],
};
