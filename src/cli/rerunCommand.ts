import { shellQuote } from '../domain/notifications/shellQuote.ts';
import type { RunArguments } from '../domain/run/runArguments.ts';

export interface RerunContext {
  readonly lake: string;
  /** Given only when it is not the default. */
  readonly memoryLimit?: string;
}

/**
 * The `etl run` command that repeats a run: its days, every source and use case, and where it
 * ran. Built from the plan's re-run input, so it names exactly what the run did.
 */
export function localRerunCommand(input: unknown, context: RerunContext): string {
  const args = (input ?? {}) as RunArguments;
  const words = ['npm', 'run', '--silent', 'etl', '--', 'run'];
  if (args.date) words.push('--date', args.date);
  if (args.from && args.to) words.push('--from', args.from, '--to', args.to);
  for (const source of args.sources ?? []) words.push('--source', source);
  if (args.useCases && args.useCases.length === 0) words.push('--no-use-cases');
  for (const useCase of args.useCases ?? []) words.push('--use-case', useCase);
  words.push('--lake', context.lake);
  if (context.memoryLimit) words.push('--memory-limit', context.memoryLimit);
  return words.map(shellQuote).join(' ');
}
