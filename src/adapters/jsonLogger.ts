import { type LogLevel, logLevelEnabled } from '../domain/taskEnvironments/logLevel.ts';
import type { Logger } from '../ports/logger.ts';

type Sink = (line: string) => void;

/**
 * One JSON object per line, as CloudWatch Logs Insights and `jq` expect. Lines below the
 * threshold (`LOG_LEVEL` of the task) are not written at all: the `level` field also lets
 * Lambda's own log-level filter drop them, but a container has no such filter.
 */
export class JsonLogger implements Logger {
  constructor(
    private readonly fields: Record<string, unknown> = {},
    private readonly sink: Sink = (line) => process.stderr.write(`${line}\n`),
    private readonly threshold: LogLevel = 'debug',
  ) {}

  private write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (!logLevelEnabled(level, this.threshold)) return;
    // The line's own keys come last: a field called `message` must not replace what happened.
    this.sink(JSON.stringify({ ...this.fields, ...fields, time: new Date().toISOString(), level, message }));
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('debug', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }

  child(fields: Record<string, unknown>): Logger {
    return new JsonLogger({ ...this.fields, ...fields }, this.sink, this.threshold);
  }
}

/** For callers that want no output (tests, `--json` runs where stdout must stay clean). */
export const silentLogger: Logger = new JsonLogger({}, () => {});
