import type { Logger } from '../ports/logger.ts';

type Sink = (line: string) => void;

/** One JSON object per line, as CloudWatch Logs Insights and `jq` expect. */
export class JsonLogger implements Logger {
  constructor(
    private readonly fields: Record<string, unknown> = {},
    private readonly sink: Sink = (line) => process.stderr.write(`${line}\n`),
  ) {}

  private write(level: string, message: string, fields?: Record<string, unknown>): void {
    this.sink(JSON.stringify({ time: new Date().toISOString(), level, message, ...this.fields, ...fields }));
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
    return new JsonLogger({ ...this.fields, ...fields }, this.sink);
  }
}

/** For callers that want no output (tests, `--json` runs where stdout must stay clean). */
export const silentLogger: Logger = new JsonLogger({}, () => {});
