#!/usr/bin/env node
// `npx etl` from the repository root (package.json "bin"). The command line is TypeScript and
// nothing is compiled ahead: it starts from its esbuild bundle under .cache/bundles/ (about half
// the start-up of compiling it with tsx), built on first use and again whenever a file it was
// built from changed. Should the build fail, it runs through tsx as `tsx bin/etl.ts` would.
import { fileURLToPath } from 'node:url';
import { freshBundleRecord } from '../src/orchestrator/bundleRecord.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const bundles = fileURLToPath(new URL('../.cache/bundles/', import.meta.url));
const fresh = await freshBundleRecord(root, `${bundles}etl.inputs.json`);
if (fresh) {
  await import(`${bundles}${fresh.entry}`);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const built = await import('../src/orchestrator/esbuildBundles.ts')
    .then(({ commandLineBundle }) => commandLineBundle())
    .catch((error) => {
      process.stderr.write(
        `etl: could not bundle the command line (${error.message}); running it through tsx\n`,
      );
      return undefined;
    });
  await import(built ?? './etl.ts');
}
