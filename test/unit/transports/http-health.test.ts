import { describe, expect, it } from 'vitest';
import { type ReadinessInputs, readinessAnswer, readinessReasons } from '../../../src/transports/http-health.js';

const ready: ReadinessInputs = {
  draining: false,
  practices: {
    ready: true,
    reason: undefined,
    practices: { available: 2, disabled: 0, unavailable: 0 },
    lastAttemptAt: '2026-12-01T10:00:00.000Z',
    nextAttemptAt: undefined,
  },
  gates: {
    ready: true,
    pendingPracticeIds: [],
    unreadablePracticeIds: [],
    localGatesOnly: false,
    lastPollAt: new Date('2026-12-01T10:00:05.000Z'),
  },
  breaker: 'closed',
  sessions: { streamable: 3, sse: 1 },
};

describe('readiness', () => {
  it('ready: 200 with the detail for an operator and the status alone for anyone else', () => {
    expect(readinessAnswer(ready, true)).toEqual({
      status: 200,
      body: {
        status: 'ready',
        reasons: [],
        practices: ready.practices,
        draining: false,
        upstream: { breaker: 'closed' },
        gates: {
          loaded: true,
          pendingPractices: [],
          unreadablePractices: [],
          localGatesOnly: false,
          lastPollAt: '2026-12-01T10:00:05.000Z',
        },
        sessions: { streamable: 3, sse: 1 },
      },
    });
    expect(readinessAnswer(ready, false)).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('each blocking reason turns it 503, named with its code', () => {
    const cases: [Partial<ReadinessInputs>, string][] = [
      [{ draining: true }, 'draining'],
      [
        { practices: { ...ready.practices, ready: false, reason: 'Escape Dental is unreachable.' } },
        'practices_pending',
      ],
      [{ gates: { ...ready.gates, ready: false, pendingPracticeIds: ['p1'] } }, 'gates_pending'],
      [{ breaker: 'open' }, 'upstream_breaker_open'],
    ];
    for (const [change, code] of cases) {
      const inputs = { ...ready, ...change };
      expect(readinessReasons(inputs).map((r) => [r.code, r.blocking])).toEqual([[code, true]]);
      const answer = readinessAnswer(inputs, false);
      expect(answer).toEqual({ status: 503, body: { status: 'not_ready' } });
    }
    const pending = readinessAnswer(
      { ...ready, practices: { ...ready.practices, ready: false, reason: 'Down.' } },
      true,
    );
    expect(pending.body).toMatchObject({ status: 'not_ready', reason: 'Down.' });
  });

  it('unreadable gate rows are a note, not a reason to stop serving reads', () => {
    const inputs = { ...ready, gates: { ...ready.gates, unreadablePracticeIds: ['p2'] } };
    const [reason] = readinessReasons(inputs);
    expect(reason).toMatchObject({ code: 'gates_unreadable', blocking: false, practiceIds: ['p2'] });
    expect(reason?.message).toMatch(/write tools are off/);
    expect(readinessAnswer(inputs, true).status).toBe(200);
    const optedOut = readinessReasons({ ...inputs, gates: { ...inputs.gates, localGatesOnly: true } });
    expect(optedOut[0]?.message).toMatch(/--local-gates-only serves write tools/);
  });
});
