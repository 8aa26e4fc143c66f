/**
 * The pieces of the write flow without a sandbox: reading a start time (practice zone, DST gap,
 * fall-back hour, foreign offsets), the confirmation step for both kinds of client, writing once
 * under every kind of upstream failure, and refusals in plain words.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  BadRequest,
  Conflict,
  InvalidResponse,
  PracticeInactive,
  RateLimited,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../../../src/api/errors.js';
import type { Appointment, Operatory, Provider, ValidationResult } from '../../../src/api/port.js';
import { createLogger } from '../../../src/logger.js';
import { createConfirmationTokens } from '../../../src/tools/framework/confirmation.js';
import { ToolInputError } from '../../../src/tools/framework/errors.js';
import { ToolMemo } from '../../../src/tools/framework/memo.js';
import type { Confirmation, ConfirmationRecord, ToolContext } from '../../../src/tools/framework/types.js';
import { type ConfirmationPlan, confirmWrite, type PromptState } from '../../../src/tools/framework/writes/confirm.js';
import { readOnlyApi, sealWrites } from '../../../src/tools/framework/writes/port.js';
import { parseStart } from '../../../src/tools/framework/writes/when.js';
import { candidateChairs, checkSlot, refusalReasons } from '../../../src/tools/framework/writes/where.js';
import { WriteOutcomeUnknown, writeOnce } from '../../../src/tools/framework/writes/write-once.js';
import { fakeApi } from '../../helpers/fake-api.js';

const LA = 'America/Los_Angeles';
const NOW = Date.parse('2026-11-23T18:00:00Z');

function context(overrides: Partial<ToolContext> = {}): ToolContext {
  const api = fakeApi();
  return {
    practice: { id: 'p1', name: 'Alpha Dental', timezone: LA },
    api: readOnlyApi(api),
    writes: sealWrites(api),
    noteConfirmation: () => {},
    principal: { id: 'desk', kind: 'local', practiceIds: 'all', scopes: 'all', readOnly: false },
    now: () => new Date(NOW),
    signal: new AbortController().signal,
    log: createLogger({ level: 'silent' }),
    notePatient: () => {},
    noteAppointment: () => {},
    progress: () => {},
    memo: new ToolMemo(),
    confirmation: { answer: 'none', supported: false },
    confirmationTokens: createConfirmationTokens(),
    ...overrides,
  };
}

describe('parseStart', () => {
  it('reads practice-local wall time and sends it with the offset of that date', () => {
    expect(parseStart('2026-12-10 09:00', LA, NOW).iso).toBe('2026-12-10T09:00:00-08:00');
    expect(parseStart('2027-06-10T9:30', LA, NOW).iso).toBe('2027-06-10T09:30:00-07:00');
  });

  it('takes a find_spot start as written (the practice offset)', () => {
    const start = parseStart('2026-12-10T09:00:00-08:00', LA, NOW);
    expect(start.ms).toBe(Date.parse('2026-12-10T17:00:00Z'));
  });

  it('refuses a time in the spring-forward gap', () => {
    expect(() => parseStart('2027-03-14 02:30', LA, NOW)).toThrow(/does not exist .*clocks jump forward/);
  });

  it('asks which 01:30 on the fall-back night, naming both', () => {
    const run = () => parseStart('2027-11-07 01:30', LA, NOW);
    expect(run).toThrow(ToolInputError);
    expect(run).toThrow(/"2027-11-07T01:30-07:00" \(the first\) or "2027-11-07T01:30-08:00" \(the second\)/);
    // Either, once said, is fine.
    const first = parseStart('2027-11-07T01:30-07:00', LA, NOW);
    const second = parseStart('2027-11-07T01:30-08:00', LA, NOW);
    expect(second.ms - first.ms).toBe(3600_000);
  });

  it('refuses an offset that is not the practice offset at that instant, saying the local time it would be', () => {
    expect(() => parseStart('2026-12-10T09:00:00-05:00', LA, NOW)).toThrow(/is Thu 2026-12-10 06:00 \(UTC-08:00\)/);
    expect(() => parseStart('2026-12-10T17:00:00Z', LA, NOW)).toThrow(/offset is not the practice's/);
    // The gap written with the winter offset is really 03:30 summer time.
    expect(() => parseStart('2027-03-14T02:30:00-08:00', LA, NOW)).toThrow(/03:30/);
  });

  it('refuses the past, seconds, and what is not a date and time', () => {
    expect(() => parseStart('2026-11-23 09:00', LA, NOW)).toThrow(/in the past/);
    expect(() => parseStart('2026-12-10 09:00:30', LA, NOW)).toThrow(/on the minute/);
    expect(() => parseStart('next Tuesday 9am', LA, NOW)).toThrow(/not a date and time/);
    expect(() => parseStart('2026-02-30 09:00', LA, NOW)).toThrow(/not a real calendar date/);
  });
});

// ---------------------------------------------------------------------------------------------

const appt = { id: 'a1' } as Appointment;

/** A scripted write: each attempt throws the next error or succeeds; `landed` answers in order. */
function scripted(attempts: (Error | 'ok')[], landed: (Appointment | undefined | Error)[] = []) {
  const calls: string[] = [];
  return {
    calls,
    plan: {
      what: 'booking',
      checkHint: 'look at the day sheet',
      attempt: async () => {
        calls.push('write');
        const next = attempts.shift();
        if (next === undefined || next === 'ok') return appt;
        throw next;
      },
      landed: async () => {
        calls.push('look');
        const next = landed.shift();
        if (next instanceof Error) throw next;
        return next;
      },
      refused: (error: Conflict | BadRequest) => new ToolInputError(`refused: ${error.kind}`),
    },
  };
}

const timeout = () => new UpstreamTimeout();
const reset = () => new UpstreamUnavailable('The connection to the Escape Dental API failed.');
const conflict = () => new Conflict([{ code: 'operatory_conflict', appointment: 'other', message: 'taken' }]);

describe('writeOnce', () => {
  it('writes once when the first attempt succeeds', async () => {
    const s = scripted(['ok']);
    expect(await writeOnce(context(), s.plan)).toEqual({ written: appt, recovered: false });
    expect(s.calls).toEqual(['write']);
  });

  it('after a timeout, looks first and does not write again when the write landed', async () => {
    const s = scripted([timeout()], [appt]);
    expect(await writeOnce(context(), s.plan)).toEqual({ written: appt, recovered: true });
    expect(s.calls).toEqual(['write', 'look']);
  });

  it('retries only after looking and finding nothing, for resets, 5xx and cut-off answers', async () => {
    const s = scripted([reset(), new InvalidResponse('cut off', {}, true), 'ok'], [undefined, undefined]);
    expect(await writeOnce(context(), s.plan)).toEqual({ written: appt, recovered: false });
    expect(s.calls).toEqual(['write', 'look', 'write', 'look', 'write']);
  });

  it('a 409 after an uncertain attempt is that attempt having landed', async () => {
    const s = scripted([timeout(), conflict()], [undefined, appt]);
    expect(await writeOnce(context(), s.plan)).toEqual({ written: appt, recovered: true });
    expect(s.calls).toEqual(['write', 'look', 'write', 'look']);
  });

  it('a 409 for someone else is a refusal; a 400 on the first attempt is refused without looking', async () => {
    const taken = scripted([conflict()], [undefined]);
    await expect(writeOnce(context(), taken.plan)).rejects.toThrow('refused: conflict');
    const invalid = scripted([new BadRequest([{ field: 'date_time', messages: ['Outside office hours.'] }])]);
    await expect(writeOnce(context(), invalid.plan)).rejects.toThrow('refused: bad_request');
    expect(invalid.calls).toEqual(['write']);
  });

  it('gives up after three uncertain failures, saying nothing was found and where to look', async () => {
    const s = scripted([reset(), reset(), timeout()], [undefined, undefined, undefined]);
    const error = await writeOnce(context(), s.plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteOutcomeUnknown);
    expect((error as Error).message).toMatch(
      /failed 3 times .*found no booking.*may still go through: look at the day sheet/,
    );
    expect(s.calls).toEqual(['write', 'look', 'write', 'look', 'write', 'look']);
  });

  it('when the look itself fails, says the outcome is unknown and stops', async () => {
    const s = scripted([timeout()], [reset()]);
    await expect(writeOnce(context(), s.plan)).rejects.toThrow(/may or may not have been made/);
    expect(s.calls).toEqual(['write', 'look']);
  });

  it('waits out a short 429 (nothing was written) and fails fast on a long one', async () => {
    const short = scripted([new RateLimited(5), 'ok']);
    expect((await writeOnce(context(), short.plan)).recovered).toBe(false);
    expect(short.calls).toEqual(['write', 'write']);
    const long = scripted([new RateLimited(60_000)]);
    await expect(writeOnce(context(), long.plan)).rejects.toBeInstanceOf(RateLimited);
    expect(long.calls).toEqual(['write']);
  });

  it('stops at failures that prove nothing was written (open circuit, disabled practice)', async () => {
    const open = scripted([new UpstreamUnavailable('open', {}, 1000, true)]);
    await expect(writeOnce(context(), open.plan)).rejects.toThrow('open');
    const inactive = scripted([new PracticeInactive()]);
    await expect(writeOnce(context(), inactive.plan)).rejects.toBeInstanceOf(PracticeInactive);
    expect([...open.calls, ...inactive.calls]).toEqual(['write', 'write']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('confirmWrite', () => {
  interface Out {
    token?: string;
    note?: string | undefined;
    declined?: string;
  }
  const plan = (
    write: Record<string, unknown>,
    args: { confirm?: boolean; confirmation_token?: string } = {},
    key = 'key-1',
  ): ConfirmationPlan<Out> => ({
    tool: 'book_appointment',
    key,
    write,
    summary: 'Book Jane Example on Thu 2026-12-10 09:00–10:00.',
    question: 'Book it?',
    args,
    tokenAnswer: (token: string, note: string | undefined) => ({ structured: { token, note }, summary: 'token' }),
    declined: (answer: string) => ({ structured: { declined: answer }, summary: 'declined' }),
  });
  /** One round of a call: what came back with it, and the audit record it left. */
  const round = (shared: ToolContext, confirmation: Confirmation) => {
    const records: ConfirmationRecord[] = [];
    return {
      context: { ...shared, confirmation, noteConfirmation: (r: ConfirmationRecord) => records.push(r) },
      records,
    };
  };
  const asked = (result: unknown) => result as { kind: string; state: PromptState; message: string };

  it('asks a client that can, and goes ahead on yes that comes back with that prompt', async () => {
    const shared = context();
    const first = round(shared, { answer: 'none', supported: true });
    const prompt = asked(await confirmWrite(first.context, plan({ at: 9 })));
    expect(prompt).toMatchObject({
      kind: 'confirmation_needed',
      message: 'Book Jane Example on Thu 2026-12-10 09:00–10:00.\nBook it?',
    });
    expect(first.records).toEqual([{ asked: prompt.state.id, via: 'elicitation' }]);
    const second = round(shared, { answer: 'accepted', supported: true, promptState: prompt.state });
    expect(await confirmWrite(second.context, plan({ at: 9 }))).toBe('confirmed');
    expect(second.records).toEqual([
      { answered: 'accepted', honoured: true, prompt: prompt.state.id, via: 'elicitation' },
    ]);
  });

  it('asks again for a yes without a prompt, for another write, from another caller or practice, or too old', async () => {
    const shared = context();
    const prompt = asked(
      await confirmWrite(round(shared, { answer: 'none', supported: true }).context, plan({ at: 9 })),
    );
    const cases: [string, ToolContext, Record<string, unknown>, string][] = [
      ['not_asked', round(shared, { answer: 'accepted', supported: true }).context, { at: 9 }, ''],
      [
        'other_write',
        round(shared, { answer: 'accepted', supported: true, promptState: prompt.state }).context,
        { at: 10 },
        'The details changed',
      ],
      [
        'other_write',
        {
          ...round(shared, { answer: 'accepted', supported: true, promptState: prompt.state }).context,
          principal: { ...shared.principal, id: 'someone-else' },
        },
        { at: 9 },
        'The details changed',
      ],
      [
        'other_write',
        {
          ...round(shared, { answer: 'accepted', supported: true, promptState: prompt.state }).context,
          practice: { ...shared.practice, id: 'p2' },
        },
        { at: 9 },
        'The details changed',
      ],
      [
        'expired',
        {
          ...round(shared, { answer: 'accepted', supported: true, promptState: prompt.state }).context,
          now: () => new Date(NOW + 10 * 60_000),
        },
        { at: 9 },
        'too old',
      ],
      [
        'not_asked',
        round(shared, { answer: 'accepted', supported: true, promptState: { kind: 'other' } }).context,
        { at: 9 },
        '',
      ],
    ];
    for (const [reason, ctx, write, prefix] of cases) {
      const records: ConfirmationRecord[] = [];
      const again = asked(await confirmWrite({ ...ctx, noteConfirmation: (r) => records.push(r) }, plan(write)));
      expect(again.kind, reason).toBe('confirmation_needed');
      expect(again.message.startsWith(prefix) || again.message.includes(prefix), again.message).toBe(true);
      expect(again.state.id).not.toBe(prompt.state.id);
      expect(records).toEqual([
        expect.objectContaining({ answered: 'accepted', honoured: false, reason, asked: again.state.id }),
      ]);
    }
  });

  it('a yes is spent on one write: the same prompt cannot confirm a second one', async () => {
    const shared = context();
    const prompt = asked(
      await confirmWrite(round(shared, { answer: 'none', supported: true }).context, plan({ at: 9 })),
    );
    const yes = { answer: 'accepted' as const, supported: true, promptState: prompt.state };
    expect(await confirmWrite(round(shared, yes).context, plan({ at: 9 }))).toBe('confirmed');
    // The write it confirmed did not happen (or no longer stands): asked again.
    const replay = round(shared, yes);
    expect(asked(await confirmWrite(replay.context, plan({ at: 9 }))).message).toMatch(
      /^That confirmation was already used/,
    );
    expect(replay.records[0]).toMatchObject({ reason: 'already_used', prompt: prompt.state.id });
  });

  it('a no or a dismissed prompt writes nothing, whatever it answers', async () => {
    for (const answer of ['declined', 'cancelled'] as const) {
      const result = await confirmWrite(context({ confirmation: { answer, supported: true } }), plan({ at: 9 }));
      expect(result).toMatchObject({ structured: { declined: answer } });
    }
  });

  it('a client that cannot ask gets a single-use token bound to the write, the practice and the caller', async () => {
    const shared = context();
    const first = (await confirmWrite(shared, plan({ at: 9 }))) as { structured: { token: string } };
    const token = first.structured.token;
    const noToken = await confirmWrite(shared, plan({ at: 9 }, { confirm: true }));
    expect(noToken).toMatchObject({ structured: { note: expect.stringMatching(/needs the confirmation_token/) } });
    for (const other of [
      await confirmWrite(shared, plan({ at: 10 }, { confirm: true, confirmation_token: token })),
      await confirmWrite(
        { ...shared, principal: { ...shared.principal, id: 'someone-else' } },
        plan({ at: 9 }, { confirm: true, confirmation_token: token }),
      ),
      await confirmWrite(
        { ...shared, practice: { ...shared.practice, id: 'p2' } },
        plan({ at: 9 }, { confirm: true, confirmation_token: token }),
      ),
    ]) {
      expect(other).toMatchObject({ structured: { note: expect.stringMatching(/does not match/) } });
    }
    expect(await confirmWrite(shared, plan({ at: 9 }, { confirm: true, confirmation_token: token }))).toBe('confirmed');
    expect(await confirmWrite(shared, plan({ at: 9 }, { confirm: true, confirmation_token: token }))).toMatchObject({
      structured: { note: expect.stringMatching(/already used/) },
    });
  });

  it('an answer from a client that declared no elicitation is not a yes: it gets the token path', async () => {
    const { context: ctx, records } = round(context(), { answer: 'accepted', supported: false });
    const result = await confirmWrite(ctx, plan({ at: 9 }));
    expect(result).toMatchObject({ structured: { token: expect.any(String) } });
    expect(records).toEqual([
      expect.objectContaining({
        answered: 'accepted',
        honoured: false,
        reason: 'no_elicitation_declared',
        via: 'token',
      }),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('checkSlot and candidate chairs', () => {
  const provider = { id: 'dr', first_name: 'Dana', last_name: 'Synthetic', provider_type: 'dentist' } as Provider;
  const chairs = [
    { id: 'hyg', name: 'Hygiene 1', is_hygiene: true, sort_order: 1 },
    { id: 'op2', name: 'Op 2', is_hygiene: false, sort_order: 3 },
    { id: 'op1', name: 'Op 1', is_hygiene: false, sort_order: 2, provider_dentist: 'dr' },
    { id: 'off', name: 'Notes', is_bookable: false, sort_order: 0 },
  ] as Operatory[];

  it('tries the current chair, then the provider’s own, then same-kind chairs, never unbookable ones', () => {
    expect(candidateChairs({ providers: [provider], operatories: chairs }, provider).map((c) => c.id)).toEqual([
      'op1',
      'op2',
      'hyg',
    ]);
    expect(candidateChairs({ providers: [provider], operatories: chairs }, provider, 'hyg').map((c) => c.id)).toEqual([
      'hyg',
      'op1',
      'op2',
    ]);
  });

  function validating(verdicts: Record<string, ValidationResult>): ToolContext {
    const api = fakeApi({
      scheduling: {
        validateAppointment: async (_practice: string, input: { operatory?: string | null }) =>
          verdicts[input.operatory ?? ''] as ValidationResult,
      },
    });
    return context({ api });
  }
  const start = { ms: NOW + 86_400_000, iso: DateTime.fromMillis(NOW + 86_400_000, { zone: LA }).toISO() as string };
  const booked = (chair: string): ValidationResult => ({
    valid: false,
    issues: [{ code: 'operatory_conflict', severity: 'error', message: `${chair} is already booked from 09:00.` }],
  });

  it('picks the first chair that validates, keeping its warnings', async () => {
    const result = await checkSlot(
      validating({
        op1: booked('Op 1'),
        op2: { valid: true, issues: [{ code: 'in_past', severity: 'warning', message: 'Starts in the past.' }] },
      }),
      { start, durationMinutes: 30, provider, chairs: chairs.slice(1, 3) },
    );
    expect(result).toMatchObject({
      ok: true,
      operatory: { id: 'op2' },
      warnings: [expect.stringMatching(/in the past/)],
    });
  });

  it('says once what every chair has in common, in plain words with the API’s text', async () => {
    const result = await checkSlot(
      validating({
        op1: booked('Op 1'),
        op2: booked('Op 2'),
      }),
      { start, durationMinutes: 30, provider, chairs: chairs.slice(1, 3) },
    );
    expect(result).toEqual({
      ok: false,
      reasons: [
        'every chair is already booked then (Escape Dental says «Op 2 is already booked from 09:00.»; «Op 1 is already booked from 09:00.»)',
      ],
    });
  });

  it('names a chair once when two appointments overlap the time there, quoting both', async () => {
    const result = await checkSlot(
      validating({
        op1: {
          valid: false,
          issues: [
            {
              code: 'operatory_conflict',
              severity: 'error',
              message: 'Operatory is already booked from 09:00 for 60 minutes.',
            },
            {
              code: 'operatory_conflict',
              severity: 'error',
              message: 'Operatory is already booked from 10:00 for 60 minutes.',
            },
          ],
        },
      }),
      { start, durationMinutes: 30, provider, chairs: [chairs[2] as Operatory] },
    );
    expect(result).toEqual({
      ok: false,
      reasons: [
        'Op 1 is already booked then (Escape Dental says «Operatory is already booked from 09:00 for 60 minutes.»; «Operatory is already booked from 10:00 for 60 minutes.»)',
      ],
    });
  });

  it('a 409 listing two bookings in the chair is one reason quoting both, and other kinds stay separate', () => {
    const conflict = new Conflict([
      { code: 'operatory_conflict', appointment: 'a1', message: 'Operatory is already booked from 09:00.' },
      { code: 'operatory_conflict', appointment: 'a2', message: 'Operatory is already booked from 10:00.' },
      { code: 'provider_conflict', appointment: 'a3', message: 'Provider is busy from 09:30.' },
    ]);
    expect(refusalReasons(conflict, 'Dr. Synthetic', 'Op 1')).toEqual([
      'Op 1 is already booked then (Escape Dental says «Operatory is already booked from 09:00.»; «Operatory is already booked from 10:00.»)',
      'Dr. Synthetic already has an appointment then (Escape Dental says «Provider is busy from 09:30.»)',
    ]);
  });
});
