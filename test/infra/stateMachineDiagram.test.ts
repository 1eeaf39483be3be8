import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../lib/repositoryRoot.ts';
import { resolveDefinition, type StateMachineDefinition } from '../../lib/resolvedDefinition.ts';
import {
  stateMachineDiagram,
  stateMachineDocPath,
  stateMachineMarkdown,
} from '../../lib/stateMachineDiagram.ts';
import { synthesizedDefinition } from '../../lib/synthesizedDefinition.ts';
import { withReadmeSection } from '../../src/docs/readmeSections.ts';

describe('state machine diagram', () => {
  it(`${stateMachineDocPath} shows the state machine as synthesized now (else: npx tsx bin/writeDocs.ts)`, () => {
    const current = readFileSync(join(repositoryRoot, stateMachineDocPath), 'utf8');
    expect(current).toBe(stateMachineMarkdown(resolveDefinition(synthesizedDefinition('dev'))));
  });

  it('README.md shows the same diagram (else: npx tsx bin/writeDocs.ts)', () => {
    const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
    const diagram = stateMachineDiagram(resolveDefinition(synthesizedDefinition('dev')));
    expect(readme).toBe(
      withReadmeSection(readme, 'state-machine diagram', `\`\`\`mermaid\n${diagram}\n\`\`\``),
    );
  });

  it('draws the same diagram for every environment', () => {
    const diagram = (environment: 'dev' | 'prod') =>
      stateMachineDiagram(resolveDefinition(synthesizedDefinition(environment)));
    expect(diagram('prod')).toBe(diagram('dev'));
  });

  it('draws states, Next edges, labelled Catch edges and Map iterators as subgraphs', () => {
    const definition: StateMachineDefinition = {
      StartAt: 'Plan',
      States: {
        Plan: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:eu-central-2:000000000000:function:plan',
          Next: 'Each item',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Tell' }],
        },
        'Each item': {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Work',
            States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', End: true } },
          },
          End: true,
          Catch: [{ ErrorEquals: ['Timeout', 'Oops'], Next: 'Tell' }],
        },
        Tell: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:eu-central-2:000000000000:function:tell',
          Next: 'Failed',
        },
        Failed: { Type: 'Fail', Error: 'Broken' },
      },
    };
    const lines = stateMachineDiagram(definition).split('\n');
    expect(lines[0]).toBe('flowchart TD');
    expect(lines).toContain('  start --> s_Plan');
    expect(lines).toContain('  s_Plan["Plan<br/><small>Lambda</small>"]');
    expect(lines).toContain('  subgraph s_Each_item ["Each item · Map over $.items"]');
    expect(lines).toContain('    s_Work["Work<br/><small>ecs runTask.sync</small>"]');
    expect(lines).toContain('  s_Plan --> s_Each_item');
    expect(lines).toContain('  s_Plan -. "States.ALL" .-> s_Tell');
    expect(lines).toContain('  s_Each_item -. "Timeout, Oops" .-> s_Tell');
    expect(lines).toContain('  s_Each_item --> finish((End))');
    expect(lines).toContain('  s_Failed(["Failed<br/><small>Fail: Broken</small>"])');
    // An inner End returns to its Map, not to the end of the execution.
    expect(lines).not.toContain('  s_Work --> finish((End))');
  });
});
