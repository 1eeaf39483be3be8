import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: repositoryRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `node bin/etl.mjs ...args` as a user would (`npx etl ...args`, `npm run --silent etl -- ...args`). */
export function etl(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return run(process.execPath, ['bin/etl.mjs', ...args], env);
}

/** Runs a command line as typed into a POSIX shell at the repository root (`npx etl ...`, a hint). */
export function shell(commandLine: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return run('sh', ['-c', commandLine], env);
}
