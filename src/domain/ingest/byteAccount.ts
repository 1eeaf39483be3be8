/**
 * Where every byte of a raw object went while it was staged. A stager that skips text it
 * cannot place leaves bytes that no field holds: the loader then fails instead of publishing
 * fewer records than the object has (`bytesUnaccounted`).
 *
 * read = bom + envelope + records + separators + whiteSpace, per object, on the decompressed bytes.
 */
export interface ByteAccount {
  /** Bytes the stager read (after gunzip), up to the end of the object. */
  read: number;
  /** The UTF-8 byte order mark at the start (3 or 0). */
  bom: number;
  /**
   * The object around the records array of a source with a `recordsPath` (its braces, other
   * keys and values, the path's keys): everything from its `{` to its `}` but the array. 0 otherwise.
   */
  envelope: number;
  /** Bytes of the records' text as read, before any repair or cut (a cut record counts whole). */
  records: number;
  /** Line breaks between records; the brackets and top-level commas of an array; the wrapping string's quotes. */
  separators: number;
  /** Blank lines, empty array elements, white space around records and separators. */
  whiteSpace: number;
}

export const emptyByteAccount = (): ByteAccount => ({
  read: 0,
  bom: 0,
  envelope: 0,
  records: 0,
  separators: 0,
  whiteSpace: 0,
});

/** Bytes read but not accounted for (negative: accounted for twice). 0 when the account holds. */
export function bytesUnaccounted(account: ByteAccount): number {
  return (
    account.read - account.bom - account.envelope - account.records - account.separators - account.whiteSpace
  );
}

/**
 * Why an object's account does not hold, or undefined when it does: the stager must have read
 * the whole content (`content`, counted on the way in, apart from the stager) and placed every
 * byte it read.
 */
export function byteAccountProblem(
  account: ByteAccount,
  content: { readonly bytes: number; readonly ended: boolean },
): string | undefined {
  const unaccounted = bytesUnaccounted(account);
  if (content.ended && content.bytes === account.read && unaccounted === 0) return undefined;
  return (
    `its content is ${content.bytes} bytes${content.ended ? '' : ' (not read to its end)'}, the stager read ` +
    `${account.read} and accounted for ${account.read - unaccounted} (BOM ${account.bom}, envelope ${account.envelope}, ` +
    `records ${account.records}, separators ${account.separators}, white space ${account.whiteSpace})`
  );
}
