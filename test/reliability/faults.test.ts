/**
 * The four tools under the sandbox's fault injection, through a real MCP client and the real
 * server: latency inside and beyond the deadline, 5xx bursts, 429 with Retry-After, connection
 * resets, truncated and malformed bodies, and a sustained outage (circuit breaker open, fail
 * fast, close on recovery). Every call ends in the correct answer or a clear error that says to
 * try again; request counts come from the sandbox's own request log, never from the client.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FaultConfig, RequestLogEntry, RunningSandbox } from '../../src/sandbox/index.js';
import { startTestSandbox, textOf } from '../helpers/harness.js';
import { type FaultStack, startFaultStack } from './stack.js';
import { stable, type ToolCase, toolCases } from './tools.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
process.on('uncaughtException', onUnhandled);

let sandbox: RunningSandbox;
let cases: ToolCase[];
/** Fault-free answers, for comparison with answers obtained through faults. */
const baseline = new Map<string, unknown>();
const stacks: FaultStack[] = [];
/** Retries, backoff and timeouts as in production; the breaker off so faults do not mask each other. */
let plain: FaultStack;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  cases = toolCases(sandbox);
  plain = await startFaultStack({ sandbox, breaker: { enabled: false }, label: 'faults' });
  stacks.push(plain);
  for (const c of cases) {
    const result = await plain.client.callTool({ name: c.name, arguments: c.args });
    expect(result.isError, `${c.name}: ${textOf(result)}`).toBeFalsy();
    baseline.set(c.name, stable(result.structuredContent));
  }
});

afterEach(async () => {
  await sandbox.control.clearFaults();
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  for (const stack of stacks) await stack.close();
  await sandbox?.close();
});

const callsMade = new Map<FaultStack, number>();

async function call(stack: FaultStack, c: ToolCase) {
  callsMade.set(stack, (callsMade.get(stack) ?? 0) + 1);
  const result = await stack.client.callTool({ name: c.name, arguments: c.args });
  return { isError: result.isError === true, text: textOf(result), structured: result.structuredContent };
}

/** Request-log entries after `since` whose path matches `route`. */
async function logged(since: number, route?: string): Promise<RequestLogEntry[]> {
  const entries = await sandbox.control.requests(since);
  return route ? entries.filter((e) => new RegExp(route).test(e.path)) : entries;
}

async function withFaults(faults: FaultConfig): Promise<number> {
  await sandbox.control.setFaults(faults);
  return sandbox.control.lastSeq();
}

/** A clear message for the model: what happened, and that trying again is the way forward. */
const RETRY_HINT = /try again/i;

describe('latency', () => {
  it('a latency spike inside the deadline still gives the same answer as without faults', async () => {
    for (const c of cases) {
      await withFaults({ latencyMs: 100, jitterMs: 150 });
      const answer = await call(plain, c);
      expect(answer.isError, `${c.name}: ${answer.text}`).toBe(false);
      expect(stable(answer.structured)).toEqual(baseline.get(c.name));
    }
  });

  it('an upstream that hangs: each tool answers at its deadline with a clear, retry-able timeout', async () => {
    // Deadline 800 ms; the upstream would answer after 6 s.
    const stack = await startFaultStack({
      sandbox,
      toolTimeoutMs: 800,
      requestTimeoutMs: 10_000,
      breaker: { enabled: false },
      label: 'faults-deadline',
    });
    stacks.push(stack);
    const hangingSince = await sandbox.control.lastSeq();
    for (const c of cases) {
      await withFaults({ latencyMs: 6_000 });
      const answer = await call(stack, c);
      expect(answer.isError, c.name).toBe(true);
      // The tool's deadline and the API client's (the same budget) race: either message is the
      // answer, both clear and retry-able — never "cancelled".
      expect(answer.text).toMatch(/took longer than 1 s and was stopped|did not answer in time/);
      expect(answer.text).toMatch(RETRY_HINT);
      const audit = stack.audits().at(-1);
      expect(audit?.tool).toBe(c.name);
      expect(['timeout', 'upstream_timeout']).toContain(audit?.outcome);
      // It answered without waiting for the upstream (a causal bound, not a speed figure).
      expect(audit?.durationMs).toBeLessThan(6_000);
    }
    // The sandbox still answers the abandoned requests after 6 s, and logs them then: wait for
    // them, so that they do not land in a later test's request counts.
    await vi.waitFor(
      async () => {
        const finished = (await logged(hangingSince)).filter((h) => h.durationMs >= 5_000);
        expect(finished.length).toBeGreaterThanOrEqual(cases.length);
      },
      { timeout: 15_000, interval: 200 },
    );
  });

  it('per-request timeouts: a slow read is retried, then reported as a timeout to retry', async () => {
    const stack = await startFaultStack({
      sandbox,
      toolTimeoutMs: 20_000,
      requestTimeoutMs: 300,
      retry: { baseDelayMs: 20 },
      breaker: { enabled: false },
      label: 'faults-attempt-timeout',
    });
    stacks.push(stack);
    const c = cases[0] as ToolCase;
    await call(stack, c); // the practice record is cached now: one upstream request per call
    const slowSince = await withFaults({ path: c.route, latencyMs: 1_500 });
    const answer = await call(stack, c);
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/did not answer in time/);
    expect(answer.text).toMatch(RETRY_HINT);
    expect(stack.audits().at(-1)).toMatchObject({ tool: c.name, outcome: 'upstream_timeout', upstreamRequests: 3 });
    // The sandbox finishes the three abandoned attempts 1.5 s after each began and logs them
    // then: wait for them, so that they do not land in the next test's request counts.
    await vi.waitFor(
      async () => {
        const finished = (await logged(slowSince, c.route)).filter((h) => h.durationMs >= 1_000);
        expect(finished.length).toBeGreaterThanOrEqual(3);
      },
      { timeout: 15_000, interval: 100 },
    );
  });
});

describe('5xx bursts', () => {
  it('a failing read is tried 3 times, then reported clearly (each tool, 500/502/503)', async () => {
    for (const c of cases) {
      const since = await withFaults({ path: c.route, errorRate: 1, errorStatuses: [500, 502, 503] });
      const answer = await call(plain, c);
      expect(answer.isError, c.name).toBe(true);
      expect(answer.text).toMatch(/The Escape Dental API is having trouble \(HTTP 50[023]\)\. Try again in a minute\./);
      const hits = await logged(since, c.route);
      expect(hits.map((h) => h.status)).toHaveLength(3);
      expect(hits.every((h) => h.fault?.startsWith('error_5'))).toBe(true);
      // Nothing of the upstream's HTML error page reaches the model.
      expect(answer.text).not.toMatch(/<|html|Bad Gateway/i);
    }
  });

  it('transient 5xx: retries turn a burst into the correct answer', async () => {
    const c = cases[0] as ToolCase;
    let recovered = 0;
    let clearFailures = 0;
    for (let round = 0; round < 12; round += 1) {
      // The fault sequence is seeded by the rules: a rule that differs per round gives each round its own.
      const since = await withFaults({ path: `${c.route}|round-${round}`, errorRate: 0.4, errorStatuses: [502, 503] });
      const answer = await call(plain, c);
      const statuses = (await logged(since, c.route)).map((h) => h.status);
      if (answer.isError) {
        expect(answer.text).toMatch(RETRY_HINT);
        expect(statuses).toHaveLength(3);
        clearFailures += 1;
      } else {
        expect(stable(answer.structured)).toEqual(baseline.get(c.name));
        expect(statuses.at(-1)).toBe(200);
        if (statuses.length > 1) recovered += 1;
      }
    }
    expect(recovered).toBeGreaterThan(0);
    expect(recovered + clearFailures).toBeLessThanOrEqual(12);
  });
});

describe('429 with Retry-After', () => {
  it('honours Retry-After: two throttled answers, two waits, then the correct answer', async () => {
    const c = cases[0] as ToolCase;
    const since = await withFaults({ path: c.route, burst429: 2, retryAfterSeconds: 1 });
    const answer = await call(plain, c);
    expect(answer.isError, answer.text).toBe(false);
    expect(stable(answer.structured)).toEqual(baseline.get(c.name));
    expect((await logged(since, c.route)).map((h) => h.status)).toEqual([429, 429, 200]);
    // It waited at least the two seconds asked for (a lower bound: load only makes it longer).
    expect(plain.audits().at(-1)?.durationMs).toBeGreaterThanOrEqual(1_900);
  });

  it('a Retry-After longer than the deadline fails at once, with one request and the wait to respect', async () => {
    for (const c of cases) {
      const since = await withFaults({ path: c.route, rate429: 1, retryAfterSeconds: 120 });
      const answer = await call(plain, c);
      expect(answer.isError, c.name).toBe(true);
      expect(answer.text).toMatch(/asked us to wait 120 s.*Try again in 120 s/);
      expect(await logged(since, c.route)).toHaveLength(1);
    }
  });

  it('sustained throttling is never hammered and never opens the breaker', async () => {
    const stack = await startFaultStack({
      sandbox,
      toolTimeoutMs: 2_600,
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 10, resetTimeoutMs: 60_000 },
      label: 'faults-throttle',
    });
    stacks.push(stack);
    const c = cases[3] as ToolCase;
    const since = await withFaults({ path: c.route, rate429: 1, retryAfterSeconds: 1 });
    for (let i = 0; i < 3; i += 1) {
      const answer = await call(stack, c);
      expect(answer.isError).toBe(true);
      expect(answer.text).toMatch(/rate-limiting|asked us to wait/);
      expect(answer.text).toMatch(RETRY_HINT);
    }
    // At most 3 attempts a call, each after the wait asked for. Only throttled requests count:
    // every request in this window is throttled, except that a request an earlier test left
    // hanging in the sandbox (6 s) is logged when it finishes, which can fall in this window.
    const throttled = (await logged(since, c.route)).filter((h) => h.fault === 'throttle');
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    expect(throttled.length).toBeLessThanOrEqual(9);
    expect(stack.api.client.breakerState()).toBe('closed');
  });
});

describe('broken connections and bodies', () => {
  const kinds = [
    { fault: { resetRate: 1 }, message: /connection to the Escape Dental API failed/ },
    { fault: { truncateRate: 1 }, message: /cut off before it was complete/ },
    { fault: { malformedRate: 1 }, message: /malformed or truncated JSON/ },
  ];
  for (const kind of kinds) {
    it(`${Object.keys(kind.fault)[0]}: every tool retries, then fails clearly; no body excerpt reaches the model`, async () => {
      for (const c of cases) {
        const since = await withFaults({ path: c.route, ...kind.fault });
        const answer = await call(plain, c);
        expect(answer.isError, c.name).toBe(true);
        expect(answer.text).toMatch(kind.message);
        expect(answer.text).toMatch(RETRY_HINT);
        expect(answer.text).not.toMatch(/upstream error|<!--|\{"/);
        expect(await logged(since, c.route)).toHaveLength(3);
      }
    });
  }

  it('mixed faults at 30%: every call ends in the correct answer or a clear error', async () => {
    let ok = 0;
    for (let round = 0; round < 4; round += 1) {
      for (const c of cases) {
        await withFaults({
          path: `/api/v1/|round-${round}`,
          resetRate: 0.1,
          truncateRate: 0.1,
          malformedRate: 0.1,
        });
        const answer = await call(plain, c);
        if (answer.isError) expect(answer.text, c.name).toMatch(RETRY_HINT);
        else {
          expect(stable(answer.structured)).toEqual(baseline.get(c.name));
          ok += 1;
        }
      }
    }
    expect(ok).toBeGreaterThan(0);
    expect(plain.audits().filter((a) => a.outcome === 'internal_error')).toEqual([]);
  });
});

describe('sustained outage: the circuit breaker', () => {
  it('opens and fails fast with a clear message, lets one trial through, closes when the upstream recovers', async () => {
    // Production thresholds; only the wait before a trial request is shortened (15 s → 1 s).
    const stack = await startFaultStack({
      sandbox,
      breaker: { volumeThreshold: 10, errorThresholdPercentage: 50, rollingWindowMs: 30_000, resetTimeoutMs: 1_000 },
      retry: { baseDelayMs: 20 },
      label: 'faults-breaker',
    });
    stacks.push(stack);
    const c = cases[0] as ToolCase;
    await withFaults({ errorRate: 1, errorStatuses: [503] });
    let opened = false;
    for (let i = 0; i < 10 && !opened; i += 1) {
      const answer = await call(stack, c);
      expect(answer.isError).toBe(true);
      opened = /unavailable \(repeated failures\); retry in \d+ s/.test(answer.text);
    }
    expect(opened).toBe(true);

    // Open: tools fail fast without sending anything upstream.
    let since = await sandbox.control.lastSeq();
    for (const other of cases) {
      const answer = await call(stack, other);
      expect(answer.isError).toBe(true);
      expect(answer.text).toMatch(/The Escape Dental API is unavailable \(repeated failures\); retry in \d+ s\./);
    }
    expect(await logged(since)).toEqual([]);
    expect(
      stack
        .audits()
        .slice(-4)
        .map((a) => a.upstreamRequests),
    ).toEqual([0, 0, 0, 0]);

    // Still failing when the trial goes through: open again after one request.
    await vi.waitFor(() => expect(stack.api.client.breakerState()).toBe('half_open'), {
      timeout: 10_000,
      interval: 25,
    });
    since = await sandbox.control.lastSeq();
    expect((await call(stack, c)).isError).toBe(true);
    expect(await logged(since)).toHaveLength(1);
    expect(stack.api.client.breakerState()).toBe('open');

    // Recovery: the next trial succeeds and closes the circuit.
    await sandbox.control.clearFaults();
    await vi.waitFor(() => expect(stack.api.client.breakerState()).toBe('half_open'), {
      timeout: 10_000,
      interval: 25,
    });
    const answer = await call(stack, c);
    expect(answer.isError, answer.text).toBe(false);
    expect(stable(answer.structured)).toEqual(baseline.get(c.name));
    expect(stack.api.client.breakerState()).toBe('closed');
    for (const other of cases) expect((await call(stack, other)).isError, other.name).toBe(false);
  });
});

describe('throughout', () => {
  it('no unhandled rejection and no uncaught exception; the server still answers', async () => {
    for (const c of cases) expect((await call(plain, c)).isError, c.name).toBe(false);
    expect(unhandled).toEqual([]);
  });

  it('one audit line per tool call, with an outcome', () => {
    for (const stack of stacks) {
      // The baseline calls of beforeAll went through `plain` without `call`.
      expect(stack.audits()).toHaveLength((callsMade.get(stack) ?? 0) + (stack === plain ? cases.length : 0));
      for (const audit of stack.audits()) {
        expect(audit.outcome).toMatch(/^(ok|timeout|upstream_[a-z_]+)$/);
        expect(audit.callId).toMatch(/^[0-9a-f-]{36}$/);
      }
    }
    expect(stacks.flatMap((s) => s.audits()).length).toBeGreaterThan(60);
  });
});
