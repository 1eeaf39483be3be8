/**
 * `first`, then the rest of an iterator that was already started: how a stager hands bytes it
 * has looked at (a format's first bytes, a chunk's tail) on to the next one without losing them.
 */
export async function* followedBy(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (first.length > 0) yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}
