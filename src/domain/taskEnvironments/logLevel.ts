import { z } from 'zod';

/** The levels of the pipeline's JSON logs, least severe first (a level lets through itself and those after it). */
export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export const logLevelSchema = z.enum(logLevels);

/** Whether a line of `level` is written by a logger set to `threshold`. */
export function logLevelEnabled(level: LogLevel, threshold: LogLevel): boolean {
  return logLevels.indexOf(level) >= logLevels.indexOf(threshold);
}
