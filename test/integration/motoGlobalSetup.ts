/**
 * Vitest global setup of the integration project: one moto_server for all its test files
 * (which run one after the other, since a reset is global). Without moto_server the tests
 * are skipped with a message, except in CI (CI=true), where a missing emulator must fail.
 */
import type { TestProject } from 'vitest/node';
import { findOnPath, type MotoServer, startMotoServer } from './motoServer.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:PORT`, or null when moto_server is not available. */
    motoEndpoint: string | null;
  }
}

let server: MotoServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  const executable = await findOnPath('moto_server');
  if (!executable) {
    const install = 'Install it with `pip install "moto[server]"` (the AWS API emulator).';
    if (process.env.CI === 'true') {
      throw new Error(
        `moto_server is not on PATH, and in CI (CI=true) the AWS integration tests must run. ${install}`,
      );
    }
    console.warn(
      `\n⚠️  moto_server is not on PATH: the AWS integration tests (test/integration) are SKIPPED. ${install}\n`,
    );
    project.provide('motoEndpoint', null);
    return;
  }
  server = await startMotoServer(executable);
  project.provide('motoEndpoint', server.endpoint);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  server = undefined;
}
