const newline = 0x0a;

/** A byte range `[start, end)` of a raw object, one piece of an object too large for one shard. */
export interface ObjectPiece {
  readonly start: number;
  readonly end: number;
}

/** Where a piece's reader starts: the byte before the piece tells whether a line starts at `start`. */
export const pieceReadStart = (piece: ObjectPiece): number => Math.max(0, piece.start - 1);

/**
 * The lines of a JSON Lines object that a piece owns: those whose first byte lies in
 * `[start, end)` (a line starts at 0 or right after a '\n'). `input` is the object's bytes from
 * `pieceReadStart(piece)`. Every line of the object is owned by exactly one piece, whole, so the
 * pieces of an object staged one by one give the records, blank lines and bytes of the object
 * staged whole. A line longer than a piece belongs to the piece it starts in: a later piece
 * that starts and ends inside it owns nothing and yields nothing.
 *
 * Stops reading (returns, which destroys a Readable being iterated) once its last line is
 * through; `read.ended` then says the piece was read to its end.
 */
export async function* pieceLines(
  input: AsyncIterable<Buffer>,
  piece: ObjectPiece,
  read: { ended: boolean } = { ended: false },
): AsyncGenerator<Buffer> {
  let position = pieceReadStart(piece); // absolute offset of the next chunk's first byte
  // Before the first owned line: at the start of the object there is nothing to skip; else
  // everything through the first '\n' at or after start-1 belongs to the previous piece.
  let skipping = piece.start > 0;
  for await (const chunk of input) {
    let from = 0;
    if (skipping) {
      const at = chunk.indexOf(newline);
      if (at === -1) {
        position += chunk.length;
        continue;
      }
      skipping = false;
      from = at + 1;
      if (position + at >= piece.end - 1) break; // the next line starts at or after end: not ours
    }
    // Our last line ends at the first '\n' at or after end-1.
    const lastFrom = Math.max(from, piece.end - 1 - position);
    const stop = lastFrom < chunk.length ? chunk.indexOf(newline, lastFrom) : -1;
    if (stop !== -1) {
      if (stop + 1 > from) yield chunk.subarray(from, stop + 1);
      break;
    }
    if (chunk.length > from) yield chunk.subarray(from);
    position += chunk.length;
  }
  read.ended = true;
}
