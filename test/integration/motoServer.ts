/**
 * Starts and stops a private moto_server (the AWS API emulator) for the integration tests.
 * It only ever listens on 127.0.0.1, on a port the OS just handed out.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export class MotoServerError extends Error {
  override readonly name = 'MotoServerError';
}

export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** The moto_server executable on PATH, or undefined. */
export async function findOnPath(
  command: string,
  path = process.env.PATH ?? '',
): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

async function startOnce(executable: string, readyTimeoutMs: number): Promise<MotoServer | 'port-taken'> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // moto logs every request on stderr: keep draining it (a full pipe would block the server),
  // remembering the tail for the error message if it does not come up.
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4_000);
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (spawnError) throw new MotoServerError(`Could not start ${executable}: ${spawnError.message}`);
    if (child.exitCode !== null) {
      if (/address already in use/i.test(stderrTail)) return 'port-taken';
      throw new MotoServerError(
        `moto_server exited with code ${child.exitCode} before answering:\n${stderrTail}`,
      );
    }
    if (await answers(`${endpoint}/moto-api/`)) return { endpoint, stop: () => stopProcess(child) };
    await sleep(100);
  }
  await stopProcess(child);
  throw new MotoServerError(
    `moto_server did not answer on ${endpoint}/moto-api/ within ${readyTimeoutMs} ms:\n${stderrTail}`,
  );
}

/** Spawns `moto_server -H 127.0.0.1 -p <free port>` and waits until its API answers. */
export async function startMotoServer(executable: string, readyTimeoutMs = 30_000): Promise<MotoServer> {
  // Between freeing the probe port and moto binding it, another process may take it: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = await startOnce(executable, readyTimeoutMs);
    if (started !== 'port-taken') return started;
  }
  throw new MotoServerError('moto_server could not bind a free port on 127.0.0.1 in 3 attempts.');
}
