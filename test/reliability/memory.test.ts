/**
 * No memory growth across many faulty calls: the server runs in a child process started with
 * --expose-gc (memory-child.ts) against this file's sandbox, so the sandbox's own memory and
 * vitest's are not in the figures. After a warm-up, heap and RSS are measured after forced GCs,
 * then after 300 and 600 more calls under every fault kind. The bounds are generous (observed
 * noise is about 1 MB; a leak of 10 kB per call would add 6 MB over the 600 calls and fail).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { REPO_ROOT, startTestSandbox } from '../helpers/harness.js';

const run = promisify(execFile);
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

interface Sample {
  heapUsed: number;
  rss: number;
}

it('heap and RSS stay flat across 600 faulty calls after a warm-up', { timeout: 300_000 }, async () => {
  const input = {
    url: sandbox.url,
    token: sandbox.credentials.oauth.service.token,
    fixtures: sandbox.fixtures,
    warmup: 150,
    calls: 300,
  };
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(REPO_ROOT, 'test/reliability/memory-child.ts'), JSON.stringify(input)],
    { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 280_000 },
  );
  const report = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
    start: Sample;
    middle: Sample;
    end: Sample;
    outcomes: Record<string, number>;
  };
  const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  console.info(
    `[memory] heap ${mb(report.start.heapUsed)} → ${mb(report.middle.heapUsed)} → ${mb(report.end.heapUsed)} MB, rss ${mb(report.start.rss)} → ${mb(report.middle.rss)} → ${mb(report.end.rss)} MB, outcomes ${JSON.stringify(report.outcomes)}`,
  );
  // Faults were really injected, and calls still succeeded between them.
  expect(report.outcomes.error).toBeGreaterThan(50);
  expect(report.outcomes.ok).toBeGreaterThan(50);
  expect(report.end.heapUsed - report.start.heapUsed).toBeLessThan(6 * 1024 * 1024);
  // The second 300 calls add no more than the first (no steady growth).
  expect(report.end.heapUsed - report.middle.heapUsed).toBeLessThan(4 * 1024 * 1024);
  expect(report.end.rss - report.start.rss).toBeLessThan(40 * 1024 * 1024);
});
