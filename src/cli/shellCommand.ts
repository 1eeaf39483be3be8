/** How a person starts the command line from the repository root. */
export const etlCommandLine = 'npm run --silent etl --';

const safeWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word for a POSIX shell: as it is when nothing in it is special, single-quoted otherwise. */
export function shellQuote(word: string): string {
  return safeWord.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
