#!/usr/bin/env node
// `npx etl` from the repository root (package.json "bin"). The command line is TypeScript and
// nothing is compiled: register tsx in this process, then run bin/etl.ts as `tsx bin/etl.ts` would.
import { register } from 'tsx/esm/api';

register();
await import('./etl.ts');
