/**
 * Errors a loader run can end with. `name` is what Step Functions Retry/Catch match and
 * what scripts can test; the message says what to do.
 */
export class NoRawDataError extends Error {
  override readonly name = 'NoRawDataError';
}

export class RawObjectReadError extends Error {
  override readonly name = 'RawObjectReadError';
}

export class ConservationError extends Error {
  override readonly name = 'ConservationError';
}
