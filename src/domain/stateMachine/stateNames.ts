import type { ModelUseCase } from '../useCases/useCase.ts';

/**
 * The state machine's state names: the CDK definition, the local orchestrator's handler
 * map, the failure message and the README diagram all use these, never string copies.
 */
export const stateNames = {
  parseArgs: 'ParseArgs',
  /** Map over the planned days… */
  loadPartitions: 'LoadPartitions',
  /** …and, for each day, over the planned sources. */
  loadSourcesOfDay: 'LoadSourcesOfDay',
  load: 'Load',
  /** Map over the planned days… */
  runUseCases: 'RunUseCases',
  /** …and, for each day, over the planned use cases. */
  runUseCasesOfDay: 'RunUseCasesOfDay',
  chooseUseCase: 'ChooseUseCase',
  runSqlUseCase: 'RunSqlUseCase',
  summarize: 'Summarize',
  notifyFailure: 'NotifyFailure',
  succeeded: 'Succeeded',
  failed: 'PipelineFailed',
} as const;

export type StateName = (typeof stateNames)[keyof typeof stateNames];

/** The Task state that runs a model use case's container: `price_model` → `RunPriceModel`. */
export function modelUseCaseStateName(useCase: Pick<ModelUseCase, 'name'>): string {
  const pascal = useCase.name
    .split('_')
    .map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`)
    .join('');
  return `Run${pascal}`;
}
