import { type ByteAccount, emptyByteAccount } from './byteAccount.ts';

/** `json-envelope`: an object around the records array, for a source with a `recordsPath`. */
export type RawFormat = 'json-lines' | 'json-array' | 'json-string-array' | 'json-envelope' | 'empty';

/** What staging one raw object found; complete once the stager has finished. */
export interface StagingStats {
  format: RawFormat;
  /** Records written (blank lines are not records). */
  records: number;
  /** Blank lines and empty array elements: they use up a number but are not records. */
  blankLines: number;
  /** The input ended inside a record or before a closing bracket/quote. */
  truncated: boolean;
  /** Records longer than the limit, staged cut (and rejected as malformed). */
  cutRecords: number;
  /** Records found after the end of an array or string export: one per line, numbered on. */
  recordsAfterEnd: number;
  bytes: ByteAccount;
}

export const newStagingStats = (): StagingStats => ({
  format: 'empty',
  records: 0,
  blankLines: 0,
  truncated: false,
  cutRecords: 0,
  recordsAfterEnd: 0,
  bytes: emptyByteAccount(),
});
