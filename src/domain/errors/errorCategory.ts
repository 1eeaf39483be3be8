/**
 * What kind of problem an error is, which decides what happens next: whether the state
 * machine retries it, and who has to act. Every error of the pipeline has exactly one.
 */
export const errorCategories = {
  input: {
    title: 'bad input',
    retried: false,
    who: 'whoever started the run or wrote the configuration: fix the arguments and start again',
  },
  data: {
    title: 'bad data',
    retried: false,
    who: 'the data owner: fix or replace the raw data (or the contract), then re-run the day',
  },
  environment: {
    title: 'environment',
    retried: true,
    who: 'nobody at first: a service or the machine failed, and the state machine retries; if it persists, operations',
  },
  bug: {
    title: 'bug',
    retried: false,
    who: 'the developers: report it with the run id; nothing was published by the failed step',
  },
} as const;

export type ErrorCategory = keyof typeof errorCategories;
