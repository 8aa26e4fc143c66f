/**
 * Around the whole test run: start with an empty log directory, and at the end scan every
 * server log line the run produced (test/helpers/harness.ts writes them there) for patient data
 * and credentials of the default sandbox. A finding fails the run.
 */
import { rmSync } from 'node:fs';
import { startSandbox } from '../src/sandbox/index.js';
import { LOG_DIR } from './helpers/harness.js';
import { scanDirectory, sensitiveSet } from './helpers/phi-scan.js';

export default function setup(): () => Promise<void> {
  rmSync(LOG_DIR, { recursive: true, force: true });
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
    }
  };
}
