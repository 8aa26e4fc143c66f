/**
 * The built server as a practice runs it (dist/cli.js over stdio, production retry and breaker
 * settings) through a storm of every fault kind at once, with valid and invalid calls of all four
 * tools, some of them concurrent and some cancelled by the client. The process must survive
 * (no crash, no unhandled rejection, nothing logged as an unexpected failure), answer every call
 * with a result or a clear error, and serve correct answers again once the upstream recovers —
 * after its own circuit breaker has closed (production: 15 s before a trial request).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { type Connection, connectStdio, startTestSandbox, textOf } from '../helpers/harness.js';
import { writtenAuditLines } from './stack.js';
import { stable, type ToolCase, toolCases } from './tools.js';

let sandbox: RunningSandbox;
let connection: Connection;
let cases: ToolCase[];
let closedEarly = false;
const baseline = new Map<string, unknown>();
let callsMade = 0;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  cases = toolCases(sandbox);
  connection = await connectStdio({
    sandbox,
    env: { ESCAPE_TOOL_TIMEOUT_MS: '3000', ESCAPE_REQUEST_TIMEOUT_MS: '700' },
  });
  connection.client.onclose = () => {
    closedEarly = true;
  };
  for (const c of cases) {
    callsMade += 1;
    const result = await connection.client.callTool({ name: c.name, arguments: c.args });
    expect(result.isError, textOf(result)).toBeFalsy();
    baseline.set(c.name, stable(result.structuredContent));
  }
});

afterAll(async () => {
  await connection?.close();
  await sandbox?.close();
});

/** Valid and invalid variations of each tool's arguments (wrong types, out of range, unknown names). */
function variations(c: ToolCase): Record<string, unknown>[] {
  const practice = c.args.practice;
  return [
    c.args,
    { ...c.args, limit: 999, max_results: -1, oldest: 'many' },
    { practice, patient_id: 'not-a-uuid', name: 'Nobody Atall', date_of_birth: '2001-02-30' },
    { practice: 'A practice that does not exist' },
    { ...c.args, providers: ['Dr. Nobody'], period: 'someday', start_date: '2026-13-45' },
  ];
}

describe('the server process under a storm of faults', () => {
  it('answers every call with a result or a clear error and never crashes', async () => {
    await sandbox.control.setFaults({
      rules: [
        { jitterMs: 900 },
        {
          errorRate: 0.1,
          errorStatuses: [500, 502, 503],
          rate429: 0.08,
          retryAfterSeconds: 1,
          resetRate: 0.08,
          truncateRate: 0.08,
          malformedRate: 0.08,
        },
      ],
    });
    const outcomes = new Map<string, number>();
    const jobs: { name: string; args: Record<string, unknown>; cancel: boolean }[] = [];
    for (let round = 0; round < 6; round += 1) {
      for (const c of cases) {
        for (const [index, args] of variations(c).entries()) {
          jobs.push({ name: c.name, args, cancel: (round + index) % 7 === 3 });
        }
      }
    }
    // Four calls in flight at a time.
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < jobs.length) {
          const job = jobs[next] as (typeof jobs)[number];
          next += 1;
          callsMade += 1;
          const controller = new AbortController();
          if (job.cancel) setTimeout(() => controller.abort(), 50);
          try {
            const result = await connection.client.callTool(
              { name: job.name, arguments: job.args },
              { signal: controller.signal },
            );
            const text = textOf(result);
            expect(text.length, job.name).toBeGreaterThan(0);
            if (result.isError) {
              expect(text, job.name).not.toMatch(/Something went wrong inside the server|stack|TypeError|<html/i);
            }
            const key = result.isError ? 'error' : 'ok';
            outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          } catch (error) {
            // Only the client's own cancellation may end a call without a result.
            expect(job.cancel, String(error)).toBe(true);
            outcomes.set('cancelled', (outcomes.get('cancelled') ?? 0) + 1);
          }
        }
      }),
    );
    expect(closedEarly).toBe(false);
    expect(outcomes.get('error')).toBeGreaterThan(0);
    const faults = (await sandbox.control.counters()).faults;
    for (const kind of ['error', 'reset', 'truncate', 'malformed']) expect(faults[kind], kind).toBeGreaterThan(0);
  });

  it('serves correct answers again once the upstream recovers (after its breaker closes)', async () => {
    await sandbox.control.clearFaults();
    const first = cases[0] as ToolCase;
    let recovered = false;
    // Production breaker: up to 15 s before a trial request is let through.
    for (let attempt = 0; attempt < 60 && !recovered; attempt += 1) {
      callsMade += 1;
      const result = await connection.client.callTool({ name: first.name, arguments: first.args });
      if (!result.isError) recovered = true;
      else {
        expect(textOf(result)).toMatch(/try again|retry in/i);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    expect(recovered).toBe(true);
    for (const c of cases) {
      callsMade += 1;
      const result = await connection.client.callTool({ name: c.name, arguments: c.args });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(stable(result.structuredContent)).toEqual(baseline.get(c.name));
    }
    expect(closedEarly).toBe(false);
  });

  it('logged no crash, no unhandled rejection and no unexpected failure; one audit line per call', async () => {
    const audits = await writtenAuditLines(connection.logs, callsMade);
    expect(connection.logs()).not.toMatch(/unhandled|uncaught|stopped on an unexpected error|"level":60/i);
    expect(audits.filter((a) => a.outcome === 'internal_error')).toEqual([]);
    // Cancelled and schema-refused calls included: the server writes the line whatever the end.
    expect(audits).toHaveLength(callsMade);
  });
});
