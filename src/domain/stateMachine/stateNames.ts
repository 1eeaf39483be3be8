/**
 * The state machine's state names: the CDK definition, the local orchestrator's handler
 * map, the failure message and the README diagram all use these, never string copies.
 */
export const stateNames = {
  parseArgs: 'ParseArgs',
  loadPartitions: 'LoadPartitions',
  load: 'Load',
  runUseCases: 'RunUseCases',
  useCaseKind: 'UseCaseKind',
  runSqlUseCase: 'RunSqlUseCase',
  runModelUseCase: 'RunModelUseCase',
  publishUseCase: 'PublishUseCase',
  summarize: 'Summarize',
  notifyFailure: 'NotifyFailure',
  succeeded: 'Succeeded',
  failed: 'PipelineFailed',
} as const;

export type StateName = (typeof stateNames)[keyof typeof stateNames];
