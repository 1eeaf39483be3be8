import type { AslState, StateMachineDefinition } from '../../lib/resolvedDefinition.ts';

type Machine = Pick<StateMachineDefinition, 'States'>;

/** The state machines nested in a state: a Map's item processor (or iterator), a Parallel's branches. */
export function nestedMachines(state: AslState): Machine[] {
  return [
    ...(state.ItemProcessor ? [state.ItemProcessor] : []),
    ...(state.Iterator ? [state.Iterator] : []),
    ...(state.Branches ?? []),
  ];
}

/** Every state of the definition with its name, nested machines included, outer states first. */
export function allStates(definition: Machine): [string, AslState][] {
  return Object.entries(definition.States).flatMap(([name, state]: [string, AslState]) => [
    [name, state] as [string, AslState],
    ...nestedMachines(state).flatMap(allStates),
  ]);
}

/** Every Task state in the definition, Map and Parallel bodies included. */
export function taskStates(definition: Machine): string[] {
  return allStates(definition)
    .filter(([, state]) => state.Type === 'Task')
    .map(([name]) => name);
}

/** The state of that name, wherever it is nested. */
export function findState(definition: Machine, name: string): AslState | undefined {
  return allStates(definition).find(([key]) => key === name)?.[1];
}
