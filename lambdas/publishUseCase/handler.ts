export async function handler(_event: unknown): Promise<unknown> {
  throw new Error('handler not implemented yet');
}
