import { PipelineError } from '../errors/pipelineError.ts';

/**
 * A raw object the stager cannot split into records without guessing: a stray quote or
 * bracket in a JSON array (every element after it would be cut in the wrong places), a
 * second export after the first, UTF-16 text. Failing names the byte to look at; staging
 * it anyway would publish fewer records than the object holds.
 */
export class UnsplittableObjectError extends PipelineError {
  override readonly name = 'UnsplittableObjectError';

  constructor(
    readonly objectName: string,
    readonly byteOffset: number,
    problem: string,
    /** What the offset counts: the content (after gunzip, when compressed) or the object as stored. */
    counted: 'content' | 'stored' = 'content',
  ) {
    const where =
      counted === 'content'
        ? 'of its content, counted after gunzip if it is compressed'
        : 'of the stored object';
    super(
      `Cannot split raw object ${objectName} into records: ${problem} (at byte ${byteOffset} ${where}). ` +
        'Nothing was published. Fix the object at that byte or export it again, replace it in the raw zone and ' +
        're-run the day.',
    );
  }
}
