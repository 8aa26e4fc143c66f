/**
 * A few unreadable rows among good ones (issue 14: one bad row degrades only itself), through a
 * real MCP client, the real HTTP server and the sandbox over HTTP. The switch
 * `placeholders=some-rows` makes the `claim_fee` of every appealed claim and the date of every
 * clinical note the spec's sample "string"; expected answers come from raw sandbox calls in the
 * default reading.
 */
import Big from 'big.js';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS, type Quirks, type RunningSandbox } from '../../src/sandbox/index.js';
import { rawList } from '../helpers/harness.js';
import { type Stack, startStack, textOf } from './http-harness.js';

const KEY = 'edm_test-claims-unreadable-0123456789';
const auth = { authorization: `Bearer ${KEY}` };
const OUTSTANDING = ['submitted', 'accepted', 'resubmitted', 'appealed', 'partial'];

interface RawClaim {
  id: string;
  status: string;
  claim_fee: string;
  ins_pay_amt: string;
  write_off: string;
}
interface ClaimsOut {
  by_status: { status: string; count: number; billed: string; paid: string }[];
  totals: { count: number; billed: string; paid: string; outstanding: string };
  oldest_outstanding: { claim_id: string; status: string }[];
  unreadable_claims?: number;
  notes: string[];
}

let stack: Stack;
let sandbox: RunningSandbox;
let la: RunningSandbox['fixtures']['practices']['la'];
/** Every claim of the practice as the sandbox answers in its default reading. */
let claims: RawClaim[];
let appealed: RawClaim[];

beforeAll(async () => {
  stack = await startStack({
    keys: [{ id: 'ops', key: KEY, practices: 'all', scopes: ['insurance:read', 'scheduling:read', 'patients:read'] }],
  });
  sandbox = stack.sandbox;
  la = sandbox.fixtures.practices.la;
  claims = await rawList<RawClaim>(sandbox, `/api/v1/practice/${la.id}/insurance/claim/`);
  appealed = claims.filter((c) => c.status === 'appealed');
  expect(appealed.length).toBeGreaterThan(1);
});

afterAll(async () => {
  await stack?.close();
});

afterEach(async () => {
  await sandbox.control.setQuirks(DEFAULT_QUIRKS);
});

async function withQuirks(quirks: Partial<Quirks>): Promise<void> {
  await sandbox.control.setQuirks({ ...DEFAULT_QUIRKS, ...quirks });
}

async function call<T = ClaimsOut>(
  args: Record<string, unknown>,
  tool = 'claims_summary',
): Promise<{ isError: boolean; text: string; out: T }> {
  const client = await stack.connect('modern', auth);
  const result = await client.callTool({ name: tool, arguments: { practice: la.name, ...args } });
  return {
    isError: result.isError === true,
    text: textOf(result),
    out: (result.structuredContent ?? {}) as unknown as T,
  };
}

const sum = (rows: RawClaim[], pick: (c: RawClaim) => string) =>
  rows.reduce((t, c) => t.plus(pick(c)), new Big(0)).toFixed(2);
const outstandingOf = (rows: RawClaim[]) =>
  rows.reduce((t, c) => t.plus(c.claim_fee).minus(c.ins_pay_amt).minus(c.write_off), new Big(0)).toFixed(2);
const incomplete = (n: number) =>
  `Incomplete: ${n} claim${n === 1 ? '' : 's'} could not be read and ${n === 1 ? 'is' : 'are'} left out (see notes).`;

describe('claims_summary with unreadable claims among good ones (placeholders=some-rows)', () => {
  it('the switch plants "string" in the appealed claims only', async () => {
    await withQuirks({ placeholders: 'some-rows' });
    const planted = await rawList<RawClaim>(sandbox, `/api/v1/practice/${la.id}/insurance/claim/`);
    expect(planted.filter((c) => c.claim_fee === 'string').map((c) => c.id)).toEqual(appealed.map((c) => c.id));
  });

  it('unfiltered: the outstanding detail covers the readable claims and the text counts the unreadable ones once', async () => {
    await withQuirks({ placeholders: 'some-rows' });
    const answer = await call({ oldest: 25 });
    expect(answer.isError, answer.text).toBe(false);
    const readable = claims.filter((c) => OUTSTANDING.includes(c.status) && c.status !== 'appealed');
    expect(answer.out.totals.outstanding).toBe(outstandingOf(claims.filter((c) => OUTSTANDING.includes(c.status))));
    expect(answer.out.unreadable_claims).toBe(appealed.length);
    expect(answer.out.oldest_outstanding.length).toBe(Math.min(25, readable.length));
    expect(answer.out.oldest_outstanding.some((c) => c.status === 'appealed')).toBe(false);
    expect(answer.text.split('\n')[0]).toContain(incomplete(appealed.length));
    expect(answer.text).toContain(
      `Note: ${appealed.length} claims were left out of these figures: Escape Dental sent an unusable claim_fee for claim `,
    );
  });

  it('filtered to a readable and an unreadable status: the readable figures, the others counted', async () => {
    await withQuirks({ placeholders: 'some-rows' });
    const answer = await call({ statuses: ['paid', 'appealed'] });
    expect(answer.isError, answer.text).toBe(false);
    const paid = claims.filter((c) => c.status === 'paid');
    expect(answer.out.by_status).toEqual([
      {
        status: 'paid',
        count: paid.length,
        billed: sum(paid, (c) => c.claim_fee),
        paid: sum(paid, (c) => c.ins_pay_amt),
      },
    ]);
    expect(answer.out.totals.count).toBe(paid.length);
    expect(answer.out.unreadable_claims).toBe(appealed.length);
    expect(answer.text.split('\n')[0]).toContain(incomplete(appealed.length));
  });

  it('nothing readable at all: refused naming the field, never "0 claims"', async () => {
    await withQuirks({ placeholders: 'some-rows' });
    const answer = await call({ statuses: ['appealed'] });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/^Escape Dental sent an unusable claim_fee for claim /);
  });

  it('status filter ignored (listFilters=ignored): each unreadable claim counted once, not once per status read', async () => {
    await withQuirks({ placeholders: 'some-rows', listFilters: 'ignored' });
    const statuses = ['paid', 'appealed', 'denied'];
    const answer = await call({ statuses });
    expect(answer.isError, answer.text).toBe(false);
    const kept = claims.filter((c) => c.status === 'paid' || c.status === 'denied');
    expect(answer.out.totals.count).toBe(kept.length);
    expect(answer.out.totals.billed).toBe(sum(kept, (c) => c.claim_fee));
    expect(answer.out.unreadable_claims).toBe(appealed.length);
    expect(answer.text.split('\n')[0]).toContain(incomplete(appealed.length));
    // Every claim of the practice came back at least once for a status it is not in: each once.
    expect(answer.text).toContain(
      `Note: Escape Dental returned ${claims.length} claims of another status than asked; they were left out here.`,
    );
  });
});

interface RawTimelineRow {
  event_type: string;
  date: string;
  data: { date_time?: string; status?: string };
}
interface FindPatientOut {
  candidates: { id: string; last_visit?: string; visits_unknown?: boolean }[];
  notes: string[];
}

describe('visits and the timeline with unreadable notes among them (placeholders=some-rows)', () => {
  it('find_patient: a note with an unusable date does not make the visits unknown, even when the type filter is ignored', async () => {
    const path = `/api/v1/practice/${la.id}/patient/${la.patients.timeline}/clinical/timeline/`;
    const rows = await rawList<RawTimelineRow>(sandbox, path);
    expect(rows.some((r) => r.event_type === 'note')).toBe(true);
    const visits = rows
      .filter((r) => r.event_type === 'appointment' && ['complete', 'ready_for_walkout'].includes(r.data.status ?? ''))
      .map((r) => r.data.date_time as string)
      .filter((when) => Date.parse(when) <= Date.now())
      .sort((a, b) => Date.parse(b) - Date.parse(a));
    expect(visits.length).toBeGreaterThan(0);
    const lastVisit = DateTime.fromISO(visits[0] as string, { setZone: true })
      .setZone(la.timezone)
      .toISODate();

    await withQuirks({ placeholders: 'some-rows', listFilters: 'ignored' });
    const planted = await rawList<RawTimelineRow>(sandbox, path);
    const notes = planted.filter((r) => r.event_type === 'note');
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.every((r) => r.date === 'string')).toBe(true);
    const answer = await call<FindPatientOut>({ patient_id: la.patients.timeline }, 'find_patient');
    expect(answer.isError, answer.text).toBe(false);
    const [candidate] = answer.out.candidates;
    expect(candidate?.visits_unknown, answer.text).toBeUndefined();
    expect(candidate?.last_visit).toBe(lastVisit);
    expect(answer.text).not.toMatch(/Visits could not be read/);
  });

  it('patient_timeline: the notes asked for and none readable is a refusal naming the field', async () => {
    await withQuirks({ placeholders: 'some-rows' });
    const answer = await call({ patient_id: la.patients.timeline, event_types: ['note'] }, 'patient_timeline');
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/^Escape Dental sent an unusable date for /);
  });
});
