import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../../src/adapters/jsonLogger.ts';
import { lambdaEnvironments } from '../../src/domain/taskEnvironments/lambdaEnvironments.ts';
import { type LogLevel, logLevels } from '../../src/domain/taskEnvironments/logLevel.ts';

function linesAt(threshold: LogLevel): { level: string; message: string; runId?: string }[] {
  const lines: string[] = [];
  const log = new JsonLogger({ runId: 'r1' }, (line) => lines.push(line), threshold).child({
    component: 'c',
  });
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  return lines.map((line) => JSON.parse(line));
}

describe('JsonLogger levels', () => {
  it('writes the threshold and the more severe levels only, in children too', () => {
    expect(linesAt('debug').map((l) => l.level)).toEqual(['debug', 'info', 'warn', 'error']);
    expect(linesAt('info').map((l) => l.level)).toEqual(['info', 'warn', 'error']);
    expect(linesAt('warn').map((l) => l.level)).toEqual(['warn', 'error']);
    expect(linesAt('error').map((l) => l.level)).toEqual(['error']);
    expect(linesAt('info')[0]).toMatchObject({ message: 'i', runId: 'r1', component: 'c' });
  });

  it('keeps a line’s own message, level and time whatever fields it is given', () => {
    const lines: string[] = [];
    new JsonLogger({ level: 'x' }, (line) => lines.push(line)).error('loader failed', {
      message: 'the error’s own text',
      time: 'yesterday',
      runId: 'r1',
    });
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({ message: 'loader failed', level: 'error', runId: 'r1' });
    expect(Number.isNaN(Date.parse(line.time))).toBe(false);
  });

  it('a task refuses a LOG_LEVEL that is not a level, naming the variable', () => {
    const parsed = lambdaEnvironments.parseArgs.safeParse({
      ENVIRONMENT: 'dev',
      TIME_ZONE: 'Europe/Zurich',
      LOG_LEVEL: 'verbose',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['LOG_LEVEL']);
    expect(logLevels).not.toContain('verbose');
  });
});
