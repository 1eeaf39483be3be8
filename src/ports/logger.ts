/** Structured JSON logs: one object per line, always with the run id when there is one. */
export interface Logger {
  /** Detail for operators (timings, memory); people at a terminal do not see it. */
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}
