/** A watched configuration file (src/watched-file.ts): a failing change handler is logged, never fatal. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { WatchedFile } from '../../src/watched-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('WatchedFile', () => {
  it('a change handler that throws is logged without its message and stops nothing: no unhandled rejection, the next change is seen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watched-'));
    dirs.push(dir);
    const path = join(dir, 'policy.json');
    writeFileSync(path, '{}');
    const lines: string[] = [];
    const logged: Array<() => void> = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      for (const wake of logged.splice(0)) wake();
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);

    const file = new WatchedFile(path);
    await file.read((p) => readFile(p, 'utf8'));
    let calls = 0;
    const called: Array<() => void> = [];
    file.watch(
      async () => {
        calls += 1;
        for (const wake of called.splice(0)) wake();
        await file.read((p) => readFile(p, 'utf8'));
        if (calls === 1) throw new Error('Closing the session of Jane Example failed');
      },
      createLogger({ level: 'info', destination: sink }),
    );
    try {
      const loggedOnce = new Promise<void>((resolve) => logged.push(resolve));
      writeFileSync(path, '{"disabled": []}');
      await loggedOnce;
      const calledAgain = new Promise<void>((resolve) => called.push(resolve));
      writeFileSync(path, '{"disabled": ["claims_summary"]}');
      await calledAgain;
      // Let the rejection of the first call surface if nothing handled it.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      file.stop();
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(calls).toBe(2);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 50, file: path, error: 'Error' });
    expect(lines.join('\n')).not.toContain('Jane');
  });
});
