import type { z } from 'zod';
import { InternalError } from '../domain/errors/pipelineError.ts';

/**
 * A task's event, validated at the edge. The state machine builds these events, so one that
 * does not match is a bug of the definition (or a hand-made test event), not bad input.
 */
export function parseTaskEvent<Schema extends z.ZodType>(
  task: string,
  schema: Schema,
  event: unknown,
): z.infer<Schema> {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`)
    .join('; ');
  throw new InternalError(`${task} received an event it cannot read: ${problems}.`);
}
