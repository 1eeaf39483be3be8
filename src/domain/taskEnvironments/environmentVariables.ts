import { z } from 'zod';
import { runIdPattern } from '../run/runId.ts';
import { duckdbMemoryLimitHint, isDuckdbMemoryLimit } from '../sql/duckdbMemoryLimit.ts';
import { logLevelSchema } from './logLevel.ts';

/**
 * The environment variables a Lambda or container reads, as zod schemas: the stack sets them
 * (typed by {@link EnvironmentVariables}, so a missing one fails the type check) and the
 * runtime parses them (so a wrong one fails at start with the variable's name).
 */

/** What the stack must set for a schema: every key, as a string. */
export type EnvironmentVariables<Schema extends z.ZodObject> = {
  readonly [Key in keyof z.infer<Schema>]-?: string;
};

const nonEmpty = z.string().min(1);
/** A zone's location: `s3://bucket/prefix/` in AWS, an absolute directory locally. */
const zoneLocation = z.string().min(1).endsWith('/', 'a zone location ends with /');

/** The lake's zones, one variable each (the deployed stack has a bucket per zone). */
export const lakeZoneVariables = {
  LAKE_RAW: zoneLocation,
  LAKE_CURATED: zoneLocation,
  LAKE_RESULTS: zoneLocation,
  LAKE_MANIFESTS: zoneLocation,
  LAKE_ATHENA_RESULTS: zoneLocation,
};

/** A lake in S3 with its tables in Glue: the zones and the environment's database. */
export const glueLakeVariables = { ...lakeZoneVariables, GLUE_DATABASE: nonEmpty };

/** The deployed environment (dev, preprod, prod; `local` on a laptop): every log line carries it. */
export const environmentNameVariable = { ENVIRONMENT: nonEmpty };

/**
 * What every task reads first: the environment its log lines carry and the least severe level
 * they are written at (`debug` in dev, `info` in prod: lib/config/environments.ts).
 */
export const taskLoggingVariables = { ...environmentNameVariable, LOG_LEVEL: logLevelSchema };

/** DuckDB's `memory_limit` for a container, in the syntax the command line accepts too. */
export const duckdbMemoryLimitVariable = z.string().refine(isDuckdbMemoryLimit, duckdbMemoryLimitHint);

export const runDateVariable = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
export const runIdVariable = z.string().regex(runIdPattern, 'a run id like 20240115T060000Z-3f9a1c');

/** A variable holding JSON of a schema's shape, parsed (a bad one names the variable and the problem). */
export function jsonOf<Schema extends z.ZodType>(schema: Schema) {
  return z.string().transform((text, context): z.infer<Schema> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      context.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        context.addIssue({ code: 'custom', message: `${issue.path.join('.')}: ${issue.message}` });
      return z.NEVER;
    }
    return parsed.data;
  });
}

export { nonEmpty };
