/**
 * Regenerates docs/state-machine.md and the README's diagram from the state machine the CDK app synthesizes:
 * `npx tsx bin/writeDiagram.ts`. Run it after changing the state machine; the infra tests
 * fail while the page is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../lib/repositoryRoot.ts';
import { resolveDefinition } from '../lib/resolvedDefinition.ts';
import {
  readmeWithDiagram,
  stateMachineDiagram,
  stateMachineDocPath,
  stateMachineMarkdown,
} from '../lib/stateMachineDiagram.ts';
import { synthesizedDefinition } from '../lib/synthesizedDefinition.ts';

const definition = resolveDefinition(synthesizedDefinition('dev'));
writeFileSync(join(repositoryRoot, stateMachineDocPath), stateMachineMarkdown(definition));
const readme = join(repositoryRoot, 'README.md');
writeFileSync(readme, readmeWithDiagram(readFileSync(readme, 'utf8'), stateMachineDiagram(definition)));
process.stdout.write(`Wrote ${stateMachineDocPath} and the diagram in README.md\n`);
