/**
 * Preloaded into a pipeline container (NODE_OPTIONS=--import) by tests that need a slow task:
 * writes the process id to SLOW_START_PID_FILE, then holds the container's start for
 * SLOW_START_MS. After that the container does its whole work (and would publish).
 */
import { writeFileSync } from 'node:fs';

if (process.env.SLOW_START_PID_FILE) writeFileSync(process.env.SLOW_START_PID_FILE, String(process.pid));
await new Promise((resolve) => setTimeout(resolve, Number(process.env.SLOW_START_MS ?? 0)));
