/**
 * Regenerates what the documentation shows of the code: docs/state-machine.md and the
 * README's diagram (from the state machine the CDK app synthesizes) and the README's failure
 * table (from the error catalog). Run `npx tsx bin/writeDocs.ts` after changing either; the
 * tests fail while the documents are out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../lib/repositoryRoot.ts';
import { resolveDefinition } from '../lib/resolvedDefinition.ts';
import {
  stateMachineDiagram,
  stateMachineDocPath,
  stateMachineMarkdown,
} from '../lib/stateMachineDiagram.ts';
import { synthesizedDefinition } from '../lib/synthesizedDefinition.ts';
import { failureTableMarkdown } from '../src/docs/failureTable.ts';
import { withReadmeSection } from '../src/docs/readmeSections.ts';

const definition = resolveDefinition(synthesizedDefinition('dev'));
writeFileSync(join(repositoryRoot, stateMachineDocPath), stateMachineMarkdown(definition));
const readmePath = join(repositoryRoot, 'README.md');
let readme = readFileSync(readmePath, 'utf8');
readme = withReadmeSection(
  readme,
  'state-machine diagram',
  `\`\`\`mermaid\n${stateMachineDiagram(definition)}\n\`\`\``,
);
readme = withReadmeSection(readme, 'failure table', failureTableMarkdown());
writeFileSync(readmePath, readme);
process.stdout.write(`Wrote ${stateMachineDocPath} and the generated sections of README.md\n`);
