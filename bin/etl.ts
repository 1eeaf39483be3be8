/**
 * The command line: `etl run | query | generate | demo` (src/cli/etlProgram.ts). Run it as
 * `npx etl` (bin/etl.mjs) or `npm run --silent etl --` from the repository root.
 */
import { runEtl } from '../src/cli/etlProgram.ts';

process.exitCode = await runEtl(process.argv.slice(2));
