import type { Logger } from '../ports/logger.ts';

type Sink = (line: string) => void;

function describe(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  const shown = Object.entries(fields).filter(
    ([key]) => !['runId', 'source', 'dt', 'component'].includes(key),
  );
  return shown.length > 0
    ? `  ${shown.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`
    : '';
}

/**
 * For people at a terminal: one short line per event on stderr, so stdout stays free for
 * results (`--json`, query output). Handlers and containers use JsonLogger instead.
 */
export class HumanLogger implements Logger {
  constructor(
    private readonly prefix = '',
    private readonly sink: Sink = (line) => process.stderr.write(`${line}\n`),
  ) {}

  debug(): void {}

  info(message: string, fields?: Record<string, unknown>): void {
    this.sink(`${this.prefix}${message}${describe(fields)}`);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.sink(`${this.prefix}warning: ${message}${describe(fields)}`);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.sink(`${this.prefix}error: ${message}${describe(fields)}`);
  }

  child(fields: Record<string, unknown>): Logger {
    const label = [fields.source, fields.dt].filter((v) => typeof v === 'string').join(' ');
    return new HumanLogger(label ? `[${label}] ` : this.prefix, this.sink);
  }
}
