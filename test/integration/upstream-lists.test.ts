/**
 * Read tools against an Escape API whose lists and filters diverge from the spec (issue 14 items
 * 1, 2 and 7): the real HTTP server, real MCP clients of both eras, and the sandbox over HTTP with
 * one quirk switch on per block (ASSUMPTIONS §3). Each answer must be right, or labelled partial,
 * or a plain refusal. Expectations come from raw sandbox calls made with the default (faithful)
 * reading, or from the raw rows filtered here — never from the code under test.
 */
import Big from 'big.js';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS, type Quirks, type RunningSandbox } from '../../src/sandbox/index.js';
import { callError, callOk, rawGet, rawList } from '../helpers/harness.js';
import { type ClientKind, type Stack, startStack } from './http-harness.js';

interface RawClaim {
  id: string;
  status: string;
  date_service: string | null;
  claim_fee: string;
}
interface RawProvider {
  id: string;
  first_name: string;
  last_name: string;
}
interface RawTimelineEvent {
  event_type: string;
  id: string;
}
interface ClaimsOutput {
  totals: { count: number; billed: string };
  notes: string[];
}
interface FindSpotOutput {
  slots: { start: string; provider_id?: string }[];
}
interface TimelineOutput {
  events: { date: string; type: string; line: string }[];
  next_cursor?: string;
}
interface ProductionOutput {
  period: { label: string; from: string; to: string };
  summary: { gross_production: string };
}
interface FindPatientOutput {
  candidates: { id: string; name: string }[];
}

type Practice = RunningSandbox['fixtures']['practices']['la'];

const addDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;
const instant = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const money = (values: string[]) => values.reduce((t, v) => t.plus(new Big(v)), new Big(0)).toFixed(2);

/** A stack whose sandbox starts with the switches on (so the start-up roster load sees them too). */
function upstreamWith(quirks: Partial<Quirks>) {
  const ctx = {} as { stack: Stack; la: Practice; path: (rest: string) => string };
  beforeAll(async () => {
    ctx.stack = await startStack({ sandbox: { quirks }, args: ['--auth', 'off'] });
    ctx.la = ctx.stack.sandbox.fixtures.practices.la;
    ctx.path = (rest) => `/api/v1/practice/${ctx.la.id}/${rest}`;
  });
  afterAll(async () => {
    await ctx.stack?.close();
  });
  /** Raw reads under the faithful reading, the switches restored afterwards. */
  const truth = async <T>(read: (sandbox: RunningSandbox) => Promise<T>): Promise<T> => {
    const sandbox = ctx.stack.sandbox;
    await sandbox.control.setQuirks(DEFAULT_QUIRKS);
    try {
      return await read(sandbox);
    } finally {
      await sandbox.control.setQuirks({ ...DEFAULT_QUIRKS, ...quirks });
    }
  };
  return { ctx, truth };
}

const ERAS: ClientKind[] = ['modern', 'legacy'];

describe('pagination=next-loop (every next is the page just read)', () => {
  const { ctx, truth } = upstreamWith({ pagination: 'next-loop' });

  it.each(ERAS)('find_spot resolves "Maya Chen" to one provider, not copies of her (%s)', async (era) => {
    const client = await ctx.stack.connect(era);
    const { la } = ctx;
    const roster = await truth((sb) => rawList<RawProvider>(sb, ctx.path('provider/')));
    const chen = roster.find((p) => p.first_name === 'Maya' && p.last_name === 'Chen') as RawProvider;
    const { structured, text } = await callOk<FindSpotOutput>(client, 'find_spot', {
      practice: la.name,
      providers: ['Maya Chen'],
      duration_minutes: 30,
      max_results: 5,
    });
    const raw = await truth((sb) =>
      rawGet<{ results: { date_time: string; provider: string }[] }>(sb, ctx.path('scheduling/find-spot/'), {
        duration_minutes: '30',
        start_date: la.today,
        end_date: addDays(la.today, 30),
        provider: chen.id,
        max_results: '5',
      }),
    );
    expect(raw.results.length).toBe(5);
    expect(structured.slots.map((s) => [instant(s.start), s.provider_id])).toEqual(
      raw.results.map((r) => [instant(r.date_time), r.provider]),
    );
    expect(text).not.toMatch(/several providers|Partial/);
  });

  it('patient_timeline lists the patient notes once each (the API has six), not twenty repeats', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const raw = await truth((sb) =>
      rawList<RawTimelineEvent>(sb, ctx.path(`patient/${la.patients.timeline}/clinical/timeline/`), {
        event_type: 'note',
      }),
    );
    const { structured, text } = await callOk<TimelineOutput>(client, 'patient_timeline', {
      practice: la.name,
      patient_id: la.patients.timeline,
      event_types: ['note'],
      limit: 20,
    });
    expect(raw.length).toBe(6);
    expect(structured.events).toHaveLength(raw.length);
    expect(new Set(structured.events.map((e) => `${e.date}|${e.line}`)).size).toBe(raw.length);
    expect(structured.next_cursor).toBeUndefined();
    expect(text).toMatch(/: 6 events \(note\)/);
  });

  it('claims_summary reads a one-page list once and a many-page list whole, by page number', async () => {
    const client = await ctx.stack.connect('legacy');
    const { la } = ctx;
    for (const status of ['submitted', 'paid']) {
      const raw = await truth((sb) => rawList<RawClaim>(sb, ctx.path('insurance/claim/'), { status }));
      const { structured, text } = await callOk<ClaimsOutput>(client, 'claims_summary', {
        practice: la.name,
        statuses: [status],
      });
      expect(structured.totals.count).toBe(raw.length);
      expect(structured.totals.billed).toBe(money(raw.map((c) => c.claim_fee)));
      expect(text).not.toMatch(/Partial|More than/);
    }
  });
});

describe('pagination=page-ignored (every page is page 1)', () => {
  const { ctx, truth } = upstreamWith({ pagination: 'page-ignored' });

  it('claims_summary says the answer is partial and how much of it came, instead of counting page 1 fifty times', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const all = await truth((sb) => rawList<RawClaim>(sb, ctx.path('insurance/claim/'), { status: 'paid' }));
    const firstPage = await rawGet<{ count: number; results: RawClaim[] }>(
      ctx.stack.sandbox,
      ctx.path('insurance/claim/'),
      {
        status: 'paid',
        page_size: '100',
      },
    );
    expect(all.length).toBeGreaterThan(100);
    const { structured, text } = await callOk<ClaimsOutput>(client, 'claims_summary', {
      practice: la.name,
      statuses: ['paid'],
    });
    expect(structured.totals.count).toBe(firstPage.results.length);
    expect(structured.totals.billed).toBe(money(firstPage.results.map((c) => c.claim_fee)));
    expect(text.split('\n')[0]).toMatch(/^Partial result/);
    expect(text).toContain(`counted ${all.length} claims but sent ${firstPage.results.length}`);
  });
});

describe.each([
  ['proxy', 'the same API under its internal host name'],
  ['foreign', 'another host and path'],
] as const)('nextLinks=%s (%s)', (nextLinks, _where) => {
  const { ctx, truth } = upstreamWith({ nextLinks });

  it('claims_summary reads every page from the configured API, and nothing from the other host', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const raw = await truth((sb) => rawList<RawClaim>(sb, ctx.path('insurance/claim/'), { status: 'paid' }));
    const sample = await rawGet<{ next: string }>(ctx.stack.sandbox, ctx.path('insurance/claim/'), {
      status: 'paid',
    });
    expect(new URL(sample.next).origin).not.toBe(new URL(ctx.stack.sandbox.url).origin);
    const { structured, text } = await callOk<ClaimsOutput>(client, 'claims_summary', {
      practice: la.name,
      statuses: ['paid'],
    });
    expect(structured.totals.count).toBe(raw.length);
    expect(structured.totals.billed).toBe(money(raw.map((c) => c.claim_fee)));
    expect(text).not.toMatch(/Partial|another host/);
  });
});

describe('listCount=inflated (count says 100 more rows than the list has)', () => {
  const { ctx, truth } = upstreamWith({ listCount: 'inflated' });

  it('claims_summary labels its figures partial and names both numbers', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const raw = await truth((sb) => rawList<RawClaim>(sb, ctx.path('insurance/claim/'), { status: 'submitted' }));
    const { structured, text } = await callOk<ClaimsOutput>(client, 'claims_summary', {
      practice: la.name,
      statuses: ['submitted'],
    });
    expect(structured.totals.count).toBe(raw.length);
    expect(text.split('\n')[0]).toMatch(/^Partial result/);
    expect(text).toContain(`counted ${raw.length + 100} claims but sent ${raw.length}`);
  });

  it('find_spot says the provider roster it named the times from is partial, though it was read at start-up', async () => {
    const client = await ctx.stack.connect('legacy');
    const { la } = ctx;
    const roster = await truth((sb) => rawList<RawProvider>(sb, ctx.path('provider/')));
    const { structured, text } = await callOk<FindSpotOutput>(client, 'find_spot', {
      practice: la.name,
      duration_minutes: 30,
      max_results: 3,
    });
    expect(structured.slots).toHaveLength(3);
    expect(text).toContain(`counted ${roster.length + 100} providers but sent ${roster.length}`);
  });
});

describe('dateParams=ignored (optional dates are ignored; the default period answers)', () => {
  const { ctx } = upstreamWith({ dateParams: 'ignored' });

  it('find_spot refuses plainly instead of "No open times" and "More times exist" at once', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const from = addDays(la.today, 40);
    const to = addDays(la.today, 60);
    // The raw answer really ignores the dates: its first time is before the range asked for.
    const raw = await rawGet<{ results: { date_time: string }[] }>(
      ctx.stack.sandbox,
      ctx.path('scheduling/find-spot/'),
      { duration_minutes: '30', start_date: from, end_date: to, max_results: '10' },
    );
    expect((raw.results[0] as { date_time: string }).date_time.slice(0, 10) < from).toBe(true);
    const text = await callError(client, 'find_spot', {
      practice: la.name,
      duration_minutes: 30,
      start_date: from,
      end_date: to,
    });
    expect(text).toContain('ignored the dates');
    expect(text).toContain(`${from} to ${to}`);
    expect(text).not.toMatch(/No open times|More times exist|more times for that day/);
  });

  it('claims_summary for the last 90 days counts only claims of those dates and says it left the others out', async () => {
    const client = await ctx.stack.connect('legacy');
    const { la } = ctx;
    const from = addDays(la.today, -90);
    const all = await rawList<RawClaim>(ctx.stack.sandbox, ctx.path('insurance/claim/'), { date_from: from });
    const inRange = all.filter((c) => c.date_service !== null && c.date_service >= from && c.date_service <= la.today);
    expect(all.length).toBeGreaterThan(inRange.length);
    const { structured, text } = await callOk<ClaimsOutput>(client, 'claims_summary', {
      practice: la.name,
      date_from: from,
      date_to: la.today,
    });
    expect(structured.totals.count).toBe(inRange.length);
    expect(structured.totals.billed).toBe(money(inRange.map((c) => c.claim_fee)));
    expect(text).toMatch(/claims dated outside .* left out here/);
  });

  it('production_report names the period Escape Dental answered for, and says so in the text', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const asked = { start_date: addDays(la.today, -200), end_date: addDays(la.today, -170) };
    const raw = await rawGet<{ date_from: string; date_to: string; summary: { total_production: string } }>(
      ctx.stack.sandbox,
      ctx.path('billing/reports/production/'),
      { date_from: asked.start_date, date_to: asked.end_date },
    );
    expect(raw.date_from).not.toBe(asked.start_date);
    const { structured, text } = await callOk<ProductionOutput>(client, 'production_report', {
      practice: la.name,
      ...asked,
    });
    expect(structured.period).toMatchObject({ from: raw.date_from, to: raw.date_to });
    expect(structured.summary.gross_production).toBe(raw.summary.total_production);
    const headline = text.split('\n')[0] as string;
    expect(headline).toContain(`${raw.date_from} to ${raw.date_to}`);
    expect(headline).toContain(`asked for ${asked.start_date} to ${asked.end_date}`);
    expect(text).toContain(
      `Note: Escape Dental answered for ${raw.date_from} to ${raw.date_to} instead of the ${asked.start_date} to ${asked.end_date} asked for`,
    );
  });

  it('production_report leaves out a comparison of two answers for the same period, and says why', async () => {
    const client = await ctx.stack.connect('legacy');
    const { la } = ctx;
    const { structured, text } = await callOk<ProductionOutput & { previous?: unknown }>(client, 'production_report', {
      practice: la.name,
      period: 'last_month',
      compare_previous: true,
    });
    expect(structured.previous).toBeUndefined();
    expect(text).not.toMatch(/^Versus/m);
    expect(text).toContain('The comparison with the previous period was left out');
  });
});

describe('listFilters=ignored (provider, status, search and event_type filters are dropped)', () => {
  const { ctx, truth } = upstreamWith({ listFilters: 'ignored' });

  it('claims_summary counts only the status asked for, and says it removed the rest', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const raw = await truth((sb) => rawList<RawClaim>(sb, ctx.path('insurance/claim/'), { status: 'denied' }));
    const { structured, text } = await callOk<ClaimsOutput>(client, 'claims_summary', {
      practice: la.name,
      statuses: ['denied'],
    });
    expect(structured.totals.count).toBe(raw.length);
    expect(text).toMatch(/claims of another status .* left out here/);
  });

  it('patient_timeline keeps only the notes asked for, and says it removed the rest', async () => {
    const client = await ctx.stack.connect('legacy');
    const { la } = ctx;
    const { structured, text } = await callOk<TimelineOutput>(client, 'patient_timeline', {
      practice: la.name,
      patient_id: la.patients.timeline,
      event_types: ['note'],
    });
    expect(structured.events).toHaveLength(6);
    expect(structured.events.every((e) => e.type === 'note')).toBe(true);
    expect(text).toMatch(/timeline events of another type .* left out here/);
  });

  it('find_patient finds the same patient by name, and says the API did not filter by it', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const patient = await truth((sb) =>
      rawGet<{ id: string; first_name: string; last_name: string }>(sb, ctx.path(`patient/${la.patients.timeline}/`)),
    );
    const name = `${patient.first_name} ${patient.last_name}`;
    const [everyone, matching] = await truth((sb) =>
      Promise.all([
        rawGet<{ count: number }>(sb, ctx.path('patient/')),
        rawGet<{ count: number }>(sb, ctx.path('patient/'), { search: name.toLowerCase() }),
      ]),
    );
    const { structured, text } = await callOk<FindPatientOutput>(client, 'find_patient', { practice: la.name, name });
    expect(structured.candidates.map((c) => c.id)).toContain(patient.id);
    expect(text).toContain(
      `returned ${everyone.count - matching.count} patients that do not match the search; they were left out here`,
    );
  });

  it('find_spot keeps only the provider asked for, and says it removed the other times', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const dentist = la.providers.dentists[0] as string;
    const { structured, text } = await callOk<FindSpotOutput>(client, 'find_spot', {
      practice: la.name,
      providers: [dentist],
      duration_minutes: 30,
      max_results: 5,
    });
    expect(structured.slots.length).toBeGreaterThan(0);
    expect(structured.slots.every((s) => s.provider_id === dentist)).toBe(true);
    expect(text).toMatch(/removed here/);
  });
});

describe('pagination=page-ignored with listFilters=ignored (a search that reads only the first page)', () => {
  const { ctx, truth } = upstreamWith({ pagination: 'page-ignored', listFilters: 'ignored' });

  it('find_patient does not say "no such patient" for a patient beyond the first page', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const patient = await truth((sb) =>
      rawGet<{ id: string; first_name: string; last_name: string }>(sb, ctx.path(`patient/${la.patients.timeline}/`)),
    );
    const firstPage = await rawGet<{ count: number; results: { id: string }[] }>(
      ctx.stack.sandbox,
      ctx.path('patient/'),
      {
        page_size: '100',
      },
    );
    expect(firstPage.count).toBeGreaterThan(100);
    expect(firstPage.results.map((p) => p.id)).not.toContain(patient.id);
    const text = await callError(client, 'find_patient', {
      practice: la.name,
      name: `${patient.first_name} ${patient.last_name}`,
    });
    expect(text).toMatch(
      /^Escape Dental's patient list ended before all of it could be read, so the patient may exist/,
    );
    expect(text).not.toMatch(/Check the spelling/);
    expect(text).toContain(`counted ${firstPage.count} patients but sent ${firstPage.results.length}`);
  });
});

describe('pagination=page-ignored with dateParams=ignored (found by the hostile upstream run)', () => {
  const { ctx, truth } = upstreamWith({ pagination: 'page-ignored', dateParams: 'ignored' });

  it('find_spot by kind of visit does not say the practice has no recent such visits when it could not read them', async () => {
    const client = await ctx.stack.connect('modern');
    const { la } = ctx;
    const recent = await truth((sb) =>
      rawList<{ appointment_type: string; status: string }>(sb, ctx.path('scheduling/appointment/'), {
        from: addDays(la.today, -28),
        to: la.today,
      }),
    );
    expect(recent.filter((a) => a.appointment_type === 'Crown Prep' && a.status === 'complete').length).toBeGreaterThan(
      0,
    );
    const text = await callError(client, 'find_spot', {
      practice: la.name,
      appointment_type: 'Crown Prep',
      max_results: 3,
    });
    expect(text).not.toMatch(/no recent "Crown Prep"/);
    expect(text).toMatch(/^The recent appointments could not all be read from Escape Dental/);
    expect(text).toContain('duration_minutes');
  });

  it('claims_summary does not say a claim has no carrier when its insurance record was not read', async () => {
    const client = await ctx.stack.connect('legacy');
    const { la } = ctx;
    const enrollments = await truth((sb) =>
      rawList<{ id: string; carrier: string | null }>(sb, ctx.path('insurance/patient-insurance/')),
    );
    const claims = await truth((sb) =>
      rawList<{ id: string; patient_insurance: string | null }>(sb, ctx.path('insurance/claim/'), {
        status: 'submitted',
      }),
    );
    const withCarrier = new Set(enrollments.filter((e) => e.carrier).map((e) => e.id));
    const { structured, text } = await callOk<{
      oldest_outstanding: { claim_id: string; carrier?: string }[];
      outstanding_by_carrier: { carrier: string; count: number }[];
    }>(client, 'claims_summary', { practice: la.name, statuses: ['submitted'], oldest: 25 });
    expect(text).toMatch(/Partial result: Escape Dental counted \d+ insurance enrollments but sent 100/);
    const reallyNone = claims.filter((c) => !(c.patient_insurance && withCarrier.has(c.patient_insurance))).length;
    const saidNone = structured.outstanding_by_carrier.find((r) => r.carrier === 'No carrier on file')?.count ?? 0;
    expect(saidNone).toBeLessThanOrEqual(reallyNone);
    const byId = new Map(claims.map((c) => [c.id, c]));
    for (const row of structured.oldest_outstanding) {
      const claim = byId.get(row.claim_id);
      if (claim?.patient_insurance && withCarrier.has(claim.patient_insurance)) {
        expect(row.carrier, row.claim_id).toBeDefined();
        expect(text).not.toMatch(new RegExp(`no carrier · submitted · .* claim ${row.claim_id}`));
      }
    }
  });
});
