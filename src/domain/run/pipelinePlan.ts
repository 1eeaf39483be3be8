import { type LakeZones, runPrefix } from '../lake/lakeLayout.ts';
import { useCases as registeredUseCases, renderUseCaseSql, useCaseNamed } from '../useCases/registry.ts';
import type { SqlUseCase, UseCaseStep } from '../useCases/useCase.ts';
import { type PlanContext, planRun, type RunPlan } from './runArguments.ts';

/** ParseArgs' output: the run plan with every use case rendered for every run date. */
export type PipelinePlan = Omit<RunPlan, 'useCases'> & {
  readonly useCaseNames: readonly string[];
  readonly useCases: readonly UseCaseStep[];
};

/** Plans a run and renders its use-case steps. `readSql` reads a use case's SQL file. */
export function planPipeline(
  input: unknown,
  context: Omit<PlanContext, 'knownUseCases'>,
  zones: LakeZones,
  readSql: (useCase: SqlUseCase) => string,
): PipelinePlan {
  const plan = planRun(input, { ...context, knownUseCases: registeredUseCases.map((u) => u.name) });
  const steps = plan.dates.flatMap((dt) =>
    plan.useCases.map((name): UseCaseStep => {
      const useCase = useCaseNamed(name);
      if (useCase.kind === 'model') return { kind: 'model', name, dt, runId: plan.runId };
      return {
        kind: 'sql',
        name,
        table: useCase.table.name,
        dt,
        runId: plan.runId,
        select: renderUseCaseSql(readSql(useCase), dt, plan.runId),
        outputPrefix: runPrefix(zones, useCase.table, { dt }, plan.runId),
      };
    }),
  );
  return { ...plan, useCaseNames: plan.useCases, useCases: steps };
}
