/** Wrong command-line usage: exit code 2 and the message, no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
