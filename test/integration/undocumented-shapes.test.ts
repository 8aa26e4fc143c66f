/**
 * The three answers the spec leaves without a schema (find-spot, the clinical timeline, the claims
 * summary; T11, C-T5) and the spec's placeholder values, through real MCP clients of both eras,
 * the real HTTP server and the sandbox over HTTP with each quirk switch on. Every answer is right
 * — checked against raw sandbox calls in the default shape, computed here — or a clear refusal
 * naming the endpoint or the field. Never a guess, never "no open times", never "no visits".
 */
import Big from 'big.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS, type Quirks, type RunningSandbox } from '../../src/sandbox/index.js';
import { rawGet, rawList } from '../helpers/harness.js';
import { type ClientKind, type Stack, startStack, textOf } from './http-harness.js';

const KEY = 'edm_test-shapes-key-0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };
const SCOPES = ['scheduling:read', 'patients:read', 'insurance:read', 'reports:read'];
const ERAS: ClientKind[] = ['modern', 'legacy'];

let stack: Stack;
let sandbox: RunningSandbox;
let la: RunningSandbox['fixtures']['practices']['la'];
const path = (rest: string) => `/api/v1/practice/${la.id}/${rest}`;

beforeAll(async () => {
  stack = await startStack({ keys: [{ id: 'ops', key: KEY, practices: 'all', scopes: SCOPES }] });
  sandbox = stack.sandbox;
  la = sandbox.fixtures.practices.la;
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

interface Answer {
  isError: boolean;
  text: string;
  structured: Record<string, unknown>;
}

async function call(tool: string, args: Record<string, unknown>, kind: ClientKind = 'modern'): Promise<Answer> {
  const client = await stack.connect(kind, auth);
  const result = await client.callTool({ name: tool, arguments: { practice: la.name, ...args } });
  return {
    isError: result.isError === true,
    text: textOf(result),
    structured: (result.structuredContent ?? {}) as Record<string, unknown>,
  };
}

const GENERIC = /Something went wrong inside the server/;
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------------

describe('find-spot in every slot shape', () => {
  /** The first open times as the sandbox answers in its default shape: the expected value. */
  async function expectedStarts(max: number): Promise<string[]> {
    const body = await rawGet<{ results: { date_time: string }[] }>(sandbox, path('scheduling/find-spot/'), {
      duration_minutes: '60',
      start_date: la.today,
      end_date: addDays(la.today, 30),
      max_results: String(max),
    });
    return body.results.map((r) => r.date_time);
  }

  it('slotShape=per-chair: one entry per time, provider and chair, exactly as the raw answer lists them', async () => {
    await withQuirks({ slotShape: 'per-chair' });
    const raw = await rawGet<{ results: { date_time: string; provider: string; operatory: string }[] }>(
      sandbox,
      path('scheduling/find-spot/'),
      { duration_minutes: '60', start_date: la.today, end_date: addDays(la.today, 30), max_results: '8' },
    );
    const answer = await call('find_spot', { duration_minutes: 60, max_results: 8 });
    expect(answer.isError, answer.text).toBe(false);
    const slots = answer.structured.slots as { start: string; provider_id?: string; operatory_id?: string }[];
    // Same combinations; within one time the order of chairs is the client's own.
    const combos = (rows: (string | undefined)[][]) => rows.map((r) => r.join(' ')).sort();
    expect(combos(slots.map((s) => [s.start, s.provider_id, s.operatory_id]))).toEqual(
      combos(raw.results.map((r) => [r.date_time, r.provider, r.operatory])),
    );
  });

  it.each(['default', 'array', 'by-day', 'by-date'] as const)(
    'slotShape=%s: the same open times as the raw default answer',
    async (shape) => {
      const expected = await expectedStarts(8);
      expect(expected.length).toBe(8);
      await withQuirks({ slotShape: shape });
      if (shape === 'by-day') {
        // The switch really answers days that carry their office hours (so the test can fail).
        const raw = await rawGet<{ results: { date: string; start_time: string; slots: unknown[] }[] }>(
          sandbox,
          path('scheduling/find-spot/'),
          { duration_minutes: '60', max_results: '8' },
        );
        expect(raw.results[0]?.start_time).toMatch(/^\d{2}:\d{2}$/);
        expect(raw.results[0]?.slots.length).toBeGreaterThan(0);
      }
      const answer = await call('find_spot', { duration_minutes: 60, max_results: 8 });
      expect(answer.isError, answer.text).toBe(false);
      const slots = answer.structured.slots as { start: string }[];
      expect(slots.map((s) => s.start)).toEqual(expected);
      expect(answer.text).toContain(`${expected[0]?.slice(11, 16)}`);
    },
  );

  it.each(ERAS)(
    'slotShape=unknown: a %s client gets a refusal naming the endpoint, never "No open times"',
    async (kind) => {
      await withQuirks({ slotShape: 'unknown' });
      const raw = await rawGet<{ spots: { begins: string }[] }>(sandbox, path('scheduling/find-spot/'), {
        duration_minutes: '60',
      });
      expect(raw.spots.length).toBeGreaterThan(0);
      const answer = await call('find_spot', { duration_minutes: 60 }, kind);
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain(
        'Escape Dental answered in a shape this server does not understand (endpoint GET …/scheduling/find-spot/)',
      );
      expect(answer.text).not.toMatch(/No open times/);
      expect(answer.text).not.toMatch(GENERIC);
      // The shape is logged for the operator: keys and value classes, never a value.
      const logged = stack
        .logs()
        .split('\n')
        .filter((line) => line.includes('does not read'));
      expect(logged.length).toBeGreaterThan(0);
      const last = logged[logged.length - 1] as string;
      // Keys the spec does not name are masked (a map could be keyed by a name); the structure stays.
      expect(last).toContain('"of":[{"<key>":"string:datetime"');
      expect(last).not.toContain(raw.spots[0]?.begins as string);
    },
  );
});

// ---------------------------------------------------------------------------------------------

interface RawEvent {
  event_type: string;
  date: string;
  data: Record<string, unknown>;
}
interface TimelineOut {
  events: { date: string; type: string; line: string }[];
  notes: string[];
}

describe('the clinical timeline in every event shape', () => {
  it.each(['envelope', 'flat', 'object'] as const)(
    'timelineShape=%s: every event keeps its date and its summary',
    async (shape) => {
      const raw = await rawGet<{ results: RawEvent[] }>(
        sandbox,
        path(`patient/${la.patients.timeline}/clinical/timeline/`),
        {
          page_size: '30',
        },
      );
      await withQuirks({ timelineShape: shape });
      const answer = await call('patient_timeline', { patient_id: la.patients.timeline, limit: 30 });
      expect(answer.isError, answer.text).toBe(false);
      const events = (answer.structured as unknown as TimelineOut).events;
      // Date-only keys stay dates; a datetime is shown on the practice clock, so compare instants.
      const moment = (date: string | null) => (date && date.length > 10 ? Date.parse(date) : date);
      expect(events.map((e) => [moment(e.date), e.type])).toEqual(
        raw.results.map((r) => [moment(r.date), r.event_type]),
      );
      // Summaries come from the source row, whatever the envelope: spot-check what each type must say.
      raw.results.forEach((r, i) => {
        const line = events[i]?.line ?? '';
        if (r.event_type === 'procedure') expect(line).toContain(String(r.data.proc_code));
        if (r.event_type === 'appointment')
          expect(line).toContain(String(r.data.status === 'broken' ? 'no-show' : r.data.status));
        if (r.event_type === 'note') expect(line).toContain('note');
        expect(line.length).toBeGreaterThan(3);
      });
    },
  );

  it.each(ERAS)(
    'timelineShape=unknown: a %s client gets a refusal naming the endpoint, never "nothing found"',
    async (kind) => {
      await withQuirks({ timelineShape: 'unknown' });
      const answer = await call('patient_timeline', { patient_id: la.patients.timeline }, kind);
      expect(answer.isError).toBe(true);
      expect(answer.text).toContain(
        'Escape Dental answered in a shape this server does not understand (endpoint GET …/patient/{patient}/clinical/timeline/)',
      );
      expect(answer.text).not.toMatch(/nothing found/);
    },
  );

  it('find_patient says the visits could not be read, not "no completed visit; no upcoming visit"', async () => {
    const visits = (
      await rawGet<{ results: RawEvent[] }>(sandbox, path(`patient/${la.patients.timeline}/clinical/timeline/`), {
        event_type: 'appointment',
      })
    ).results;
    expect(visits.some((v) => v.data.status === 'complete')).toBe(true); // the patient has visits
    const before = await call('find_patient', { patient_id: la.patients.timeline });
    expect(before.text).toMatch(/last visit \d{4}-\d{2}-\d{2}/);

    await withQuirks({ timelineShape: 'unknown' });
    const answer = await call('find_patient', { patient_id: la.patients.timeline });
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.text).not.toMatch(/no completed visit on record|no upcoming visit/);
    expect(answer.text).toMatch(/visits unknown: they could not be read/);
    expect(answer.text).toContain('(endpoint GET …/patient/{patient}/clinical/timeline/)');
    const [candidate] = answer.structured.candidates as { visits_unknown?: boolean; last_visit?: string }[];
    expect(candidate?.visits_unknown).toBe(true);
    expect(candidate?.last_visit).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------

interface RawClaim {
  status: string;
  claim_fee: string;
  ins_pay_amt: string;
  write_off: string;
}
interface ClaimsOut {
  by_status: { status: string; count: number; billed: string; paid: string }[];
  totals: { count: number; billed: string; paid: string; outstanding: string };
}

describe('the claims summary in every shape', () => {
  /** Per-status figures aggregated here from the raw claim list: the expected value. */
  async function expectedClaims(): Promise<ClaimsOut> {
    const claims = await rawList<RawClaim>(sandbox, path('insurance/claim/'));
    const sum = (rows: RawClaim[], pick: (c: RawClaim) => string) =>
      rows.reduce((t, c) => t.plus(pick(c)), new Big(0)).toFixed(2);
    const statuses = [...new Set(claims.map((c) => c.status))];
    const outstanding = claims.filter((c) =>
      ['submitted', 'accepted', 'resubmitted', 'appealed', 'partial'].includes(c.status),
    );
    return {
      by_status: statuses
        .map((status) => {
          const rows = claims.filter((c) => c.status === status);
          return {
            status,
            count: rows.length,
            billed: sum(rows, (c) => c.claim_fee),
            paid: sum(rows, (c) => c.ins_pay_amt),
          };
        })
        .sort((a, b) => a.status.localeCompare(b.status)),
      totals: {
        count: claims.length,
        billed: sum(claims, (c) => c.claim_fee),
        paid: sum(claims, (c) => c.ins_pay_amt),
        outstanding: outstanding
          .reduce((t, c) => t.plus(c.claim_fee).minus(c.ins_pay_amt).minus(c.write_off), new Big(0))
          .toFixed(2),
      },
    };
  }

  it.each(['by-status', 'list', 'status-list', 'status-keys', 'array'] as const)(
    'claimsSummaryShape=%s: the figures of the raw claim list',
    async (shape) => {
      const expected = await expectedClaims();
      await withQuirks({ claimsSummaryShape: shape });
      const answer = await call('claims_summary', { oldest: 0 });
      expect(answer.isError, answer.text).toBe(false);
      const out = answer.structured as unknown as ClaimsOut;
      expect([...out.by_status].sort((a, b) => a.status.localeCompare(b.status))).toEqual(expected.by_status);
      expect(out.totals).toEqual(expected.totals);
      expect(answer.text).toContain(`${expected.totals.count} claims, billed $${expected.totals.billed}`);
    },
  );

  it.each(ERAS)('claimsSummaryShape=unknown: a %s client gets a refusal naming the endpoint', async (kind) => {
    await withQuirks({ claimsSummaryShape: 'unknown' });
    const answer = await call('claims_summary', {}, kind);
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain(
      'Escape Dental answered in a shape this server does not understand (endpoint GET …/insurance/claims/summary/)',
    );
  });
});

// ---------------------------------------------------------------------------------------------

interface RawProduction {
  summary: { total_production: string };
}
interface RawTrending {
  rows: { bucket_start: string; production: string }[];
}

describe('placeholder "string" values from the spec examples', () => {
  const month = () => ({ start_date: addDays(la.today, -40), end_date: addDays(la.today, -10) });

  it('money: the report and the claims summary name the unusable field instead of "something went wrong"', async () => {
    await withQuirks({ placeholders: 'money' });
    const raw = await rawGet<RawProduction>(sandbox, path('billing/reports/production/'), {
      date_from: month().start_date,
      date_to: month().end_date,
    });
    expect(raw.summary.total_production).toBe('string');

    const report = await call('production_report', month());
    expect(report.isError).toBe(true);
    expect(report.text).toMatch(/^Escape Dental sent an unusable total_production for the production report \(/);
    expect(report.text).not.toMatch(GENERIC);

    const claims = await call('claims_summary', {});
    expect(claims.isError).toBe(true);
    expect(claims.text).toMatch(/^Escape Dental sent an unusable (total_fee|claim_fee) for /);
    const filtered = await call('claims_summary', { statuses: ['paid'] });
    expect(filtered.isError).toBe(true);
    expect(filtered.text).toMatch(/^Escape Dental sent an unusable claim_fee for claim /);
  });

  it('money: the timeline and find_spot still answer; a fee is said to be unusable, never shown as a number', async () => {
    await withQuirks({ placeholders: 'money' });
    const timeline = await call('patient_timeline', { patient_id: la.patients.timeline, event_types: ['procedure'] });
    expect(timeline.isError, timeline.text).toBe(false);
    const events = (timeline.structured as unknown as TimelineOut).events;
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.line).toContain('fee unusable in Escape Dental');
      expect(event.line).not.toMatch(/\$/);
    }
    const spot = await call('find_spot', { duration_minutes: 30, max_results: 3 });
    expect(spot.isError, spot.text).toBe(false);
    expect((spot.structured.slots as unknown[]).length).toBe(3);
  });

  it('dates: trend rows with unusable bucket dates are left out and said so; the report figures stay right', async () => {
    const { start_date, end_date } = month();
    const raw = await rawGet<RawProduction>(sandbox, path('billing/reports/production/'), {
      date_from: start_date,
      date_to: end_date,
    });
    await withQuirks({ placeholders: 'dates' });
    const answer = await call('production_report', { start_date, end_date, trend: 'week' });
    expect(answer.isError, answer.text).toBe(false);
    expect((answer.structured.summary as { gross_production: string }).gross_production).toBe(
      raw.summary.total_production,
    );
    expect(answer.structured.trend).toEqual([]);
    expect(answer.text).toMatch(/trend rows were left out: Escape Dental sent an unusable bucket_start/);
    expect(answer.text).not.toMatch(/\$0\.00;/);
  });

  it('labels: a `metrics` list of "string" does not hide the amounts present ("Trend: $0.00" next to gross)', async () => {
    const { start_date, end_date } = month();
    const raw = await rawGet<RawTrending>(sandbox, path('billing/reports/production/trending/'), {
      from: start_date,
      to: end_date,
      bucket: 'week',
    });
    await withQuirks({ placeholders: 'labels' });
    const sample = await rawGet<{ metrics: string[] }>(sandbox, path('billing/reports/production/trending/'), {
      from: start_date,
      to: end_date,
      bucket: 'week',
    });
    expect(sample.metrics).toEqual(['string']);
    const answer = await call('production_report', { start_date, end_date, trend: 'week' });
    expect(answer.isError, answer.text).toBe(false);
    const trend = answer.structured.trend as { from: string; production?: string }[];
    expect(trend.map((t) => [t.from, t.production])).toEqual(raw.rows.map((r) => [r.bucket_start, r.production]));
    expect(raw.rows.some((r) => r.production !== '0.00')).toBe(true);
    expect(answer.text).toContain(`Trend: ${raw.rows[0]?.bucket_start} $${raw.rows[0]?.production}`);
  });
});

describe('every placeholder at once (placeholders=all)', () => {
  it('each tool is right or refuses naming the field; none says "something went wrong"', async () => {
    const expectedSlots = (
      await rawGet<{ results: { date_time: string }[] }>(sandbox, path('scheduling/find-spot/'), {
        duration_minutes: '30',
        start_date: la.today,
        end_date: addDays(la.today, 30),
        max_results: '3',
      })
    ).results.map((r) => r.date_time);
    await withQuirks({ placeholders: 'all' });
    const spot = await call('find_spot', { duration_minutes: 30, max_results: 3 });
    expect((spot.structured.slots as { start: string }[]).map((s) => s.start)).toEqual(expectedSlots);
    const patient = await call('find_patient', { patient_id: la.patients.timeline });
    expect(patient.isError, patient.text).toBe(false);
    expect(patient.text).toMatch(/last visit \d{4}-\d{2}-\d{2}/);
    for (const [tool, args, field] of [
      [
        'production_report',
        { start_date: addDays(la.today, -40), end_date: addDays(la.today, -10) },
        /total_production/,
      ],
      ['claims_summary', {}, /total_fee|claim_fee/],
    ] as const) {
      const answer = await call(tool, args);
      expect(answer.isError).toBe(true);
      expect(answer.text).toMatch(/^Escape Dental sent an unusable /);
      expect(answer.text).toMatch(field);
      expect(answer.text).not.toMatch(GENERIC);
    }
  });
});

describe('placeholder time zone: one practice degrades only itself', () => {
  let zoneStack: Stack;
  beforeAll(async () => {
    zoneStack = await startStack({
      keys: [{ id: 'ops', key: KEY, practices: 'all', scopes: SCOPES }],
      sandbox: { quirks: { placeholders: 'timezone' } },
    });
  });
  afterAll(async () => {
    await zoneStack?.close();
  });

  it.each(ERAS)('a %s client: Hudson Street is refused naming its time zone; Sunset Smiles answers', async (kind) => {
    const { ny, la: sunset } = zoneStack.sandbox.fixtures.practices;
    const practice = await rawGet<{ timezone: string }>(zoneStack.sandbox, `/api/v1/practice/${ny.id}/`);
    expect(practice.timezone).toBe('string');
    const client = await zoneStack.connect(kind, auth);
    const refused = await client.callTool({ name: 'find_spot', arguments: { practice: ny.id, duration_minutes: 30 } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/time ?zone/i);
    expect(textOf(refused)).not.toMatch(GENERIC);
    const answered = await client.callTool({
      name: 'find_spot',
      arguments: { practice: sunset.id, duration_minutes: 30, max_results: 2 },
    });
    expect(answered.isError, textOf(answered)).toBeFalsy();
  });
});
