import { beforeAll, describe, expect, it } from 'vitest';
import type { AslState, StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import { resolveDefinition } from '../../lib/resolvedDefinition.ts';
import { synthesizedDefinition } from '../../lib/synthesizedDefinition.ts';
import { maxMergePartsPerDay, maxShardsPerDay } from '../../src/domain/ingest/shardLimit.ts';
import { eventsPerDay } from '../../src/domain/run/executionBudget.ts';
import { stateNames } from '../../src/domain/stateMachine/stateNames.ts';

/**
 * History events Step Functions writes for one pass through a state (standard workflows):
 * a Task is entered, scheduled, started, succeeded and exited, plus `submitted` for `.sync`
 * integrations; a Choice is entered and exited; a Map is entered, started, succeeded and
 * exited, plus a started and a succeeded event per iteration.
 */
function taskEvents(state: AslState): number {
  return state.Resource?.endsWith('.sync') ? 6 : 5;
}

/**
 * Events of the longest path through a Map's item processor (one iteration, iterations of inner
 * Maps counted by `items`). A caught failure is a path too: the failed task (counted as if it had
 * succeeded, an upper bound) and then its Catch's state.
 */
function iterationEvents(machine: StateMachineDefinition, items: (mapName: string) => number): number {
  const pathFrom = (name: string): number => {
    const state = machine.States[name];
    if (!state) throw new Error(`no state ${name}`);
    let own = 0;
    if (state.Type === 'Task') own = taskEvents(state);
    else if (state.Type === 'Choice') own = 2;
    else if (state.Type === 'Map' && state.ItemProcessor) {
      own = 4 + items(name) * (2 + iterationEvents(state.ItemProcessor, items));
    } else throw new Error(`${name}: ${state.Type} is not counted`);
    const next = [
      ...(state.Next ? [state.Next] : []),
      ...(state.Choices ?? []).map((c) => c.Next),
      ...(state.Default ? [state.Default] : []),
      ...(state.Catch ?? []).map((c) => c.Next),
    ];
    return own + Math.max(0, ...next.map(pathFrom));
  };
  return pathFrom(machine.StartAt);
}

describe('the execution budget of a planned day', () => {
  let definition: StateMachineDefinition;
  beforeAll(() => {
    definition = resolveDefinition(synthesizedDefinition('dev'));
  });

  /** Events of one day in a Map over days, with `width` items in its inner Map. */
  const dayEvents = (mapName: string, width: number): number => {
    const map = definition.States[mapName];
    if (!map?.ItemProcessor) throw new Error(`${mapName} is not a Map`);
    // a source's day counted at its most shards and its most merge parts
    const items = (inner: string): number => {
      if (inner === stateNames.checkShards) return maxShardsPerDay;
      if (inner === stateNames.mergeShards) return maxMergePartsPerDay;
      return width;
    };
    return 2 + iterationEvents(map.ItemProcessor, items);
  };

  it('counts, per day, what the synthesized definition makes Step Functions write', () => {
    // Events grow by the same amount for every source and every use case of a day.
    const perSource = dayEvents(stateNames.loadPartitions, 2) - dayEvents(stateNames.loadPartitions, 1);
    const perUseCase = dayEvents(stateNames.runUseCases, 2) - dayEvents(stateNames.runUseCases, 1);
    const fixed =
      dayEvents(stateNames.loadPartitions, 1) - perSource + dayEvents(stateNames.runUseCases, 1) - perUseCase;
    expect({ fixed, perSource, perUseCase }).toEqual(eventsPerDay);
  });
});
