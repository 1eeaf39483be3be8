import { PipelineError } from '../errors/pipelineError.ts';
import { pricehubble } from './pricehubble.ts';
import type { SourceContract } from './sourceContract.ts';

/** Every known source. This list is the allow-list for run arguments. */
export const sources: readonly SourceContract[] = [pricehubble];

export const defaultSourceName = pricehubble.name;

export class UnknownSourceError extends PipelineError {
  override readonly name = 'UnknownSourceError';
}

export function sourceNamed(name: string): SourceContract {
  const found = sources.find((s) => s.name === name);
  if (!found) {
    throw new UnknownSourceError(
      `Unknown source "${name}". Known sources: ${sources.map((s) => s.name).join(', ')}. ` +
        'Add a contract under src/domain/sources/ to support a new one.',
    );
  }
  return found;
}
