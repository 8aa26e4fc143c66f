/**
 * Around the whole test run: start with an empty log directory, and at the end scan every
 * server log line the run produced (test/helpers/harness.ts writes them there) for patient data
 * and credentials of the default sandbox. A finding fails the run.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/index.js';
import { LOG_ROOT } from './helpers/harness.js';
import { scanDirectory, sensitiveSet } from './helpers/phi-scan.js';

export default function setup(): () => Promise<void> {
  // One directory per run, so two runs on one machine never scan (or delete) each other's logs.
  // Workers are forked after this runs and inherit the variable.
  const LOG_DIR = join(LOG_ROOT, `run-${Date.now()}-${randomUUID().slice(0, 8)}`);
  mkdirSync(LOG_DIR, { recursive: true });
  process.env.ESCAPE_TEST_LOG_DIR = LOG_DIR;
  return async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      const { files, bytes, findings } = scanDirectory(LOG_DIR, sensitiveSet(sandbox));
      console.info(
        `[privacy] scanned ${files} server log files (${bytes} bytes) of this run: ${findings.length} findings`,
      );
      if (findings.length > 0) {
        for (const finding of findings.slice(0, 20)) console.error(`[privacy] ${finding.kind} in ${finding.file}`);
        process.exitCode = 1;
      }
    } finally {
      await sandbox.close();
      rmSync(LOG_DIR, { recursive: true, force: true });
    }
  };
}
