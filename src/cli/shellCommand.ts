export { shellQuote } from '../domain/notifications/shellQuote.ts';

/** How a person starts the command line from the repository root. */
export const etlCommandLine = 'npm run --silent etl --';
