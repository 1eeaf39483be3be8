/**
 * Regenerates docs/state-machine.md from the state machine the CDK app synthesizes:
 * `npx tsx bin/writeDiagram.ts`. Run it after changing the state machine; the infra tests
 * fail while the page is out of date.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../lib/repositoryRoot.ts';
import { resolveDefinition } from '../lib/resolvedDefinition.ts';
import { stateMachineDocPath, stateMachineMarkdown } from '../lib/stateMachineDiagram.ts';
import { synthesizedDefinition } from '../lib/synthesizedDefinition.ts';

const target = join(repositoryRoot, stateMachineDocPath);
writeFileSync(target, stateMachineMarkdown(resolveDefinition(synthesizedDefinition('dev'))));
process.stdout.write(`Wrote ${stateMachineDocPath}\n`);
