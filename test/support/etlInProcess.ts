import { runEtl } from '../../src/cli/etlProgram.ts';

export interface EtlOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command line in this process, its output captured. */
export async function etlInProcess(...args: string[]): Promise<EtlOutcome> {
  const outcome = { code: -1, stdout: '', stderr: '' };
  outcome.code = await runEtl(args, {
    stdout: (text) => {
      outcome.stdout += text;
    },
    stderr: (text) => {
      outcome.stderr += text;
    },
  });
  return outcome;
}
