import { maxMergePartsPerDay, maxShardsPerDay } from '../ingest/shardLimit.ts';
import type { ErrorCategory } from './errorCategory.ts';

export interface ErrorEntry {
  readonly category: ErrorCategory;
  /** What happened, for the README's failure table and people reading an alert. */
  readonly meaning: string;
  /** What a person does about it. */
  readonly action: string;
}

/**
 * Every error the pipeline raises, by name: the one definition the error classes (through
 * {@link PipelineError}), the state machine's retry policy and the README's failure table are
 * derived from. Names are stable API: scripts and subscription filters match them.
 */
export const errorCatalog = {
  // bad input
  InvalidRunArgumentsError: {
    category: 'input',
    meaning:
      'an execution started with a bad date, range, source or use-case name (the CLI refuses those before it starts one)',
    action: 'fix the input (the message lists the allowed values) and start the run again',
  },
  UsageError: {
    category: 'input',
    meaning:
      'a bad option of `etl` (date, range, name, file, lake, memory limit; exit code 2); nothing was landed or started',
    action: 'type what the message says, or see `etl <command> --help`',
  },
  NoRunsYetError: {
    category: 'input',
    meaning: '`etl report` was asked of a lake whose run ledger (pipeline_runs) has no run, without --date',
    action: 'run `etl run` on the lake first, or give `--date` for a day that was loaded',
  },
  UnknownSourceError: {
    category: 'input',
    meaning: 'a source name that no contract defines',
    action: 'use a name from `src/domain/sources/registry.ts`, or add a contract for the new source',
  },
  UnknownUseCaseError: {
    category: 'input',
    meaning: 'a use-case name the registry does not have',
    action: 'use a name from `src/domain/useCases/registry.ts`',
  },
  RawLandingConflictError: {
    category: 'input',
    meaning:
      'a landing would overwrite a raw object with different content: one already there, one a concurrent landing wrote first, or another file of the same landing with the same name; nothing was replaced',
    action: 'land it under another name: the raw zone is never modified',
  },
  QueryFailedError: {
    category: 'input',
    meaning: 'the SQL given to `etl query` failed',
    action: 'fix the SQL (the message lists the tables that exist)',
  },
  QueryRefusedError: {
    category: 'input',
    meaning:
      '`etl query` on a local lake was given SQL that does more than read: it writes, copies, exports, attaches, installs or loads extensions, sets options, holds several statements, or reads a file outside the published tables (exit code 2); nothing ran',
    action:
      'give one reading statement (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN, VALUES, FROM); to read other files, `--allow-path DIR`',
  },
  InvalidS3UriError: {
    category: 'input',
    meaning: 'a lake or zone location is not an `s3://bucket/key` URI with a valid bucket name',
    action: 'fix the location',
  },
  UnsupportedLakeError: {
    category: 'input',
    meaning: 'the catalog does not fit the lake (the local catalog on S3, Glue on a directory)',
    action: 'use `--catalog glue` with an `s3://` lake and `local` with a directory',
  },
  AwsConfigurationError: {
    category: 'input',
    meaning: 'an AWS setting in the environment is malformed (e.g. `AWS_MAX_ATTEMPTS`)',
    action: 'fix the environment variable the message names',
  },
  EnvironmentNotDeployedError: {
    category: 'input',
    meaning:
      '`etl … --env E` found no stack of the environment in the AWS region and account of the credentials (or no region is set)',
    action:
      "deploy the stack first (`npx cdk deploy Listings-<env>`, docs/deploy.md), or set AWS_REGION / AWS_PROFILE to the environment's",
  },
  StackOutputMissingError: {
    category: 'input',
    meaning:
      "the environment's stack lacks an output the command needs (deployed from older code, or a deploy in progress)",
    action: 'deploy the stack with this version of the code (docs/deploy.md), then run the command again',
  },
  InvalidEnvironmentConfigError: {
    category: 'input',
    meaning: 'a setting of a deployed environment (account, region, e-mails, sizes) is invalid; synth stops',
    action: 'fix the value the message names (see docs/deploy.md)',
  },
  // bad data
  DayTooLargeError: {
    category: 'data',
    meaning:
      `a source's day needs more shards (${maxShardsPerDay} of \`loader.shardMaxMiB\` each) or more merge parts ` +
      `(${maxMergePartsPerDay} of \`loader.mergePartMaxMiB\` each) than a day may have; nothing was published`,
    action:
      'raise the setting the message names (`loader.shardMaxMiB` or `loader.mergePartMaxMiB`) and the task disk in ' +
      '`lib/config/environments.ts` (locally: `--shard-size` or `--merge-part-size`), then re-run the day',
  },
  NoRawDataError: {
    category: 'data',
    meaning: 'nothing under `raw/source=<s>/dt=<d>/`',
    action: "land the day's files, or check the scraper",
  },
  RawObjectReadError: {
    category: 'data',
    meaning: 'a raw object cannot be read (corrupt or truncated gzip, …); nothing was published',
    action: 'replace the object and re-run the day',
  },
  UnsplittableObjectError: {
    category: 'data',
    meaning:
      'a raw object cannot be split into records without guessing (a stray or missing quote, bracket or comma in a ' +
      'JSON array, a second export after the first, UTF-16 text, data after the end of its gzip stream; for a source ' +
      'with a recordsPath: an object without an array at the path, a path key twice, an object cut before it ' +
      'closes); nothing was published',
    action:
      'fix the object at the byte the message names (or export it again), replace it and re-run the day',
  },
  DataQualityError: {
    category: 'data',
    meaning: 'too large a share of the day was rejected; nothing was published',
    action: "look at the top reasons and examples in the message; fix the export, or the source's contract",
  },
  PartitionsFailedError: {
    category: 'data',
    meaning:
      'days of the run failed to load or a use case failed; the other days were published (or, for a source whose contract says `fail-run`, the run stopped before the use cases)',
    action:
      "read each failed day's error in the message, fix it (land the day, fix the data), then `etl redrive <execution>`",
  },
  NoListingsError: {
    category: 'data',
    meaning: 'the price model found no published listings for the day',
    action: 'load the day first',
  },
  NotEnoughDataError: {
    category: 'data',
    meaning: 'a model had no offers to fit',
    action: 'load the day (or more days) first',
  },
  // A retry reads the same missing or broken bytes: these need a person, never a retry.
  DamagedPartitionError: {
    category: 'data',
    meaning:
      "a published partition of a local lake has lost its Parquet files or they cannot be read: that table's queries fail, the other tables answer",
    action:
      're-run the day the message names (`npx etl run --date D --source S --lake L`): it publishes the partition afresh',
  },
  CorruptCatalogError: {
    category: 'data',
    meaning:
      "the local catalog file (`<lake>/catalog/<database>.json`) is not JSON, is cut short or does not have the catalog's shape; nothing was changed",
    action:
      'restore the file from a backup, or move it aside and re-run every day the lake holds (the message lists them): each run registers its day again',
  },
  // environment
  CleaningEngineError: {
    category: 'environment',
    meaning: 'DuckDB failed while cleaning, usually out of memory',
    action:
      'raise the task memory and its DuckDB memory limit (`lib/config/environments.ts`, `--memory-limit`)',
  },
  ShardWorkMissingError: {
    category: 'environment',
    meaning:
      "a sharded day's plan, a shard's output or a merge part's output is missing from the run's shard work area (`curated/_shards/`), unreadable, or left under another plan of the run: the step that writes it did not finish, or the day was planned again",
    action: 're-drive the execution (`etl redrive`): the missing steps run again; nothing was published',
  },
  CatalogLockTimeoutError: {
    category: 'environment',
    meaning: 'the local catalog stayed locked for 30 s',
    action: 'wait for the other run to finish; a lock older than 30 s is taken over',
  },
  GlueCatalogError: {
    category: 'environment',
    meaning: 'Glue refused or failed a catalog call, after retries',
    action: "check Glue's health and the role's permissions, then re-run",
  },
  GluePublishError: {
    category: 'environment',
    meaning: 'Glue did not accept every partition of a publish, after retries',
    action: 're-run the day: readers still see the partitions as they were',
  },
  AthenaQueryTimeoutError: {
    category: 'environment',
    meaning: 'an Athena query ran past its time limit and was stopped',
    action: 'narrow the query (filter on `source` and `dt`) or raise the limit',
  },
  AthenaQueryInterruptedError: {
    category: 'environment',
    meaning: 'Athena failed a query for a reason of its own that it calls retryable',
    action: 'nothing at first (retried); if it persists, check the Athena service health',
  },
  BlobNotFoundError: {
    category: 'environment',
    meaning: 'an object the run needs is gone from S3',
    action: 'find what deleted it (a lifecycle rule, a person), then re-run',
  },
  LeaseHeldError: {
    category: 'environment',
    meaning: 'another run was publishing the same partition and did not finish while this one waited',
    action:
      'nothing at first (retried); the message names the run that holds the day and when its lease lapses',
  },
  LeaseLostError: {
    category: 'environment',
    meaning:
      'this run stalled past its lease and another run took the partition over; nothing of it was published',
    action: 're-run the day if the other run did not publish what you wanted',
  },
  ScratchDiskFullError: {
    category: 'environment',
    meaning: "the task's scratch disk filled up while staging or cleaning; nothing was published",
    action:
      'give the task more ephemeral storage (`loader.ephemeralStorageGiB` in `lib/config/environments.ts`); locally, free disk space where `WORK_DIR` is',
  },
  TaskCancelledError: {
    category: 'environment',
    meaning:
      'a task went on after its state timed out (States.Timeout, or its Lambda timed out: Lambda.Unknown) or its execution ended, and was refused what it tried next (a query, a partition switch): nothing it did after that was published. Locally the runner cancels it as AWS stops the task',
    action:
      "find why the task was slow (the data's size, the machine), give it more time (the state's TimeoutSeconds, e.g. `loader.timeoutMinutes`; a Lambda's timeout in `src/domain/taskEnvironments/lambdaSettings.ts`) if it needs it, then re-run the day",
  },
  S3DeleteError: {
    category: 'environment',
    meaning: 'S3 did not delete every object of a prefix',
    action: 're-run: the next run removes what is left',
  },
  // bugs
  ConservationError: {
    category: 'bug',
    meaning:
      "records read ≠ kept + rejected, or a raw object's bytes ≠ bytes in records + separators + white space + BOM " +
      '+ envelope, or the pieces of an object cut across shards do not cover its bytes; ' +
      'nothing was published',
    action: 'report it with the run id',
  },
  SqlQueryFailedError: {
    category: 'bug',
    meaning:
      "the query engine (Athena in AWS, DuckDB locally) failed a use case's SQL: a SQL error, a missing table or column",
    action: "fix the use case's SQL file; the message has the engine's reason (and Athena's query id)",
  },
  UnsafeDeleteError: {
    category: 'bug',
    meaning: 'a delete outside a run prefix was asked for, and refused',
    action: 'report it with the run id',
  },
  UnmappedTaskError: {
    category: 'bug',
    meaning: 'a Task state has no local handler (it would call AWS)',
    action: 'map it in `src/orchestrator/localStateMachine.ts`',
  },
  InvalidDefinitionError: {
    category: 'bug',
    meaning: 'the synthesized state machine is not valid Amazon States Language',
    action: 'fix `lib/pipelineStateMachine.ts`; the infra tests show where',
  },
  UnresolvableDefinitionError: {
    category: 'bug',
    meaning: 'the synthesized definition holds a CloudFormation function the local runner cannot resolve',
    action: 'build the definition from Ref, Fn::GetAtt and Fn::Join only',
  },
  LambdaConfigurationError: {
    category: 'bug',
    meaning: "a Lambda's environment does not match its schema: the stack and the code are out of step",
    action: 'deploy the stack and the code from one commit',
  },
  ContainerConfigurationError: {
    category: 'bug',
    meaning: "a container's environment does not match its schema: the stack and the image are out of step",
    action: 'deploy the stack and the image from one commit',
  },
  InternalError: {
    category: 'bug',
    meaning: "a broken invariant of the pipeline's code, or a service answer without a field it always has",
    action: 'report it with the run id and the message',
  },
} as const satisfies Readonly<Record<string, ErrorEntry>>;

export type ErrorName = keyof typeof errorCatalog;

/** Names of the errors of a category, in catalog order. */
export function errorNamesOf(category: ErrorCategory): ErrorName[] {
  return (Object.keys(errorCatalog) as ErrorName[]).filter(
    (name) => errorCatalog[name].category === category,
  );
}
