/**
 * The "hostile upstream" run (issue 14 item 7): every tool, through a real MCP client, the real
 * HTTP server and the sandbox over HTTP, against upstreams with several quirk switches on at once.
 * Four profiles together turn on every switch (src/sandbox/ASSUMPTIONS.md). Each answer is judged
 * against expectations computed here from raw sandbox reads with every switch off (the faithful
 * reading): open times that really are open, claim figures aggregated from the raw claim list, the
 * patient's real events and visits, what Escape Dental holds after a write. An answer is `right`,
 * or a `refused` that is plain (no stack, no raw body, no "something went wrong") and claims no
 * wrong fact, or `wrong`. The table of every answer is printed and written to
 * test-results/hostile-upstream.md; any `wrong` fails the run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import Big from 'big.js';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS, type Quirks, type RunningSandbox } from '../../src/sandbox/index.js';
import { REPO_ROOT, rawGet, rawList } from '../helpers/harness.js';
import { type RawAppointment, type RawSlot, rawRequest } from './booking-helpers.js';
import { type ClientKind, type Stack, setGate, startStack, textOf, transportFor } from './http-harness.js';

type Practice = RunningSandbox['fixtures']['practices']['la'];
type Verdict = 'right' | 'refused' | 'wrong';

interface Row {
  profile: string;
  tool: string;
  args: string;
  verdict: Verdict;
  detail: string;
}

interface Answer {
  isError: boolean;
  text: string;
  structured: Record<string, unknown>;
}

interface Profile {
  name: string;
  era: ClientKind;
  quirks: Partial<Quirks>;
}

/** Together these turn on every quirk switch at least once (checked below). */
const PROFILES: Profile[] = [
  {
    name: 'spec-sample',
    era: 'modern',
    quirks: {
      appointmentEnvelope: 'nested',
      datetimes: 'utc',
      idFilters: 'int-strict',
      placeholders: 'all',
      slotShape: 'by-day',
      templateTimes: 'z-suffix',
      findSpotLimits: 'clamp',
      scopeChecks: 'spec-only',
      practiceZones: 'one-placeholder',
      accessibleList: 'absent',
      timelineShape: 'object',
      claimsSummaryShape: 'list',
    },
  },
  {
    name: 'broken-proxy',
    era: 'legacy',
    quirks: {
      pagination: 'page-ignored',
      nextLinks: 'proxy',
      listCount: 'inflated',
      dateParams: 'ignored',
      listFilters: 'ignored',
      inactiveReads: 'allow',
      accessibleList: 'with-disabled',
      claimsSummaryShape: 'status-keys',
      // No tool here reads aging jobs: on for completeness.
      agingJobs: 'stuck',
    },
  },
  {
    name: 'odd-shapes',
    era: 'modern',
    quirks: {
      timelineShape: 'flat',
      claimsSummaryShape: 'status-list',
      slotShape: 'per-chair',
      operatoryRoster: 'web-sched',
      writeAnswers: 'other-status',
      idFilters: 'ignore-invalid',
      pagination: 'next-loop',
      nextLinks: 'foreign',
      datetimes: 'utc',
      plantedText: 'on',
    },
  },
  {
    name: 'second-readings',
    era: 'legacy',
    quirks: {
      slotShape: 'by-date',
      timelineShape: 'unknown',
      claimsSummaryShape: 'array',
      operatoryRoster: 'empty',
      writeAnswers: 'other-appointment',
      placeholders: 'labels',
      listCount: 'inflated',
      appointmentEnvelope: 'nested',
      plannedAppointmentDates: 'null',
    },
  },
];

const ROWS: Row[] = [];
/** Every answer's text, for reading the table's rows in full (test-results/hostile-upstream-texts.md). */
const TEXTS: string[] = [];

// ---------------------------------------------------------------------------------------------
// Small helpers

const addDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;
const instant = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const sum = (values: string[]) => values.reduce((t, v) => t.plus(new Big(v)), new Big(0)).toFixed(2);
const short = (id: string) => (/^[0-9a-f]{8}-/.test(id) ? `${id.slice(0, 8)}…` : id);

function compactArgs(args: Record<string, unknown>): string {
  return JSON.stringify(args, (_key, value) => (typeof value === 'string' ? short(value) : value))
    .replace(/^\{|\}$/g, '')
    .replace(/"/g, '');
}

/** A refusal a person can act on: no stack, no raw upstream body, no generic failure. */
function unclear(text: string): string | undefined {
  if (/\n\s+at .+\(|node:internal|\.[jt]s:\d+:\d+/.test(text)) return 'a stack trace';
  if (/\{"|"detail"\s*:|<html|<!DOCTYPE/i.test(text)) return 'a raw upstream body';
  if (/Something went wrong inside the server/.test(text)) return 'the generic failure';
  if (text.trim() === '') return 'no text';
  return undefined;
}

const PARTIAL = /Partial result|may be missing|could not be (read|checked)|left out/;

// ---------------------------------------------------------------------------------------------
// Raw truth (every switch off)

interface RawEvent {
  event_type: string;
  date: string;
  id: string;
}
interface RawClaim {
  id: string;
  status: string;
  provider: string | null;
  patient_insurance: string | null;
  date_service: string | null;
  claim_fee: string;
  ins_pay_amt: string;
  write_off: string;
}
interface RawProvider {
  id: string;
  first_name: string;
  last_name: string;
}
interface RawOperatory {
  id: string;
  name: string;
}
interface RawPatient {
  id: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  phone_mobile: string | null;
  phone_home: string | null;
}
interface RawProductionSummary {
  date_from: string;
  date_to: string;
  summary: { total_production: string; total_collections: string; total_adjustments: string; net_production: string };
}

const OUTSTANDING = ['submitted', 'accepted', 'resubmitted', 'appealed', 'partial'];
const VISIT = ['complete', 'ready_for_walkout'];

// ---------------------------------------------------------------------------------------------

describe.each(PROFILES)('hostile upstream "$name"', (profile) => {
  let stack: Stack;
  let sandbox: RunningSandbox;
  let la: Practice;
  let client: Client;
  const path = (rest: string) => `/api/v1/practice/${la.id}/${rest}`;
  const record = (tool: string, args: Record<string, unknown>, verdict: Verdict, detail: string): Row => {
    const row = { profile: profile.name, tool, args: compactArgs(args), verdict, detail };
    ROWS.push(row);
    return row;
  };

  /** Raw reads with every switch off, the profile's switches restored afterwards. */
  let truthQueue: Promise<unknown> = Promise.resolve();
  function truth<T>(read: () => Promise<T>): Promise<T> {
    // One at a time: the switches are the sandbox's, shared by every read in flight.
    const run = truthQueue.then(async () => {
      await sandbox.control.setQuirks(DEFAULT_QUIRKS);
      try {
        return await read();
      } finally {
        await sandbox.control.setQuirks({ ...DEFAULT_QUIRKS, ...profile.quirks });
      }
    });
    truthQueue = run.catch(() => undefined);
    return run;
  }

  async function call(tool: string, args: Record<string, unknown>): Promise<Answer> {
    const result = await client.callTool({ name: tool, arguments: { practice: la.name, ...args } });
    TEXTS.push(`### ${profile.name} ${tool} ${compactArgs(args)}\n${textOf(result)}\n`);
    return {
      isError: result.isError === true,
      text: textOf(result),
      structured: (result.structuredContent ?? {}) as Record<string, unknown>,
    };
  }

  /** The common part of every verdict: a refusal must be plain; an answer must not leak either. */
  async function judge(
    tool: string,
    args: Record<string, unknown>,
    answer: Answer,
    check: () => Promise<[Verdict, string]>,
  ): Promise<Row> {
    const leak = unclear(answer.text);
    if (leak) return record(tool, args, 'wrong', `${answer.isError ? 'refusal' : 'answer'} shows ${leak}`);
    const [verdict, detail] = await check();
    return record(tool, args, verdict, detail);
  }

  let providers: RawProvider[];
  let operatories: RawOperatory[];
  const providerLabel = (id: string) => {
    const p = providers.find((x) => x.id === id) as RawProvider;
    return `${p.first_name} ${p.last_name}`;
  };

  beforeAll(async () => {
    stack = await startStack({ sandbox: { quirks: profile.quirks }, args: ['--auth', 'off'] });
    sandbox = stack.sandbox;
    la = sandbox.fixtures.practices.la;
    // Los Angeles has cancel_appointment switched off by its Escape gate: switch it on, as
    // Escape support would, so every write runs against the same practice.
    expect(await setGate(sandbox, la.id, 'cancel_appointment', true)).toBeLessThan(300);
    await stack.runtime.gates.poll();
    client = new Client(
      { name: 'hostile-upstream', version: '1.0.0' },
      {
        ...(profile.era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
        capabilities: { elicitation: { form: {} } },
      },
    );
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { confirm: true } }));
    await client.connect(transportFor(stack.http, profile.era));
    [providers, operatories] = await truth(() =>
      Promise.all([
        rawList<RawProvider>(sandbox, path('provider/')),
        rawList<RawOperatory>(sandbox, path('provider/operatory/')),
      ]),
    );
  });

  afterAll(async () => {
    await client?.close();
    await stack?.close();
  });

  function expectNoWrong(rows: Row[]): void {
    const wrong = rows.filter((r) => r.verdict === 'wrong');
    expect(wrong.map((r) => `${r.tool} ${r.args}: ${r.detail}`)).toEqual([]);
  }

  // -------------------------------------------------------------------------------------------
  // find_spot

  interface SpotQuery {
    /** Absent when the tool picks the length (appointment_type): then the length it states. */
    duration?: number;
    from?: string;
    to?: string;
    providerIds?: string[];
    operatoryIds?: string[];
    latest?: string;
    /** find-spot numbering, 0=Mon. */
    days?: number[];
    max: number;
    /** What a refusal of this search must not claim (it would be false). */
    lies?: [RegExp, string][];
  }

  async function judgeFindSpot(args: Record<string, unknown>, asked: SpotQuery): Promise<Row> {
    const answer = await call('find_spot', args);
    const q = {
      ...asked,
      duration: asked.duration ?? (answer.structured.duration_minutes as number | undefined) ?? 30,
    };
    const from = q.from ?? la.today;
    const to = q.to ?? addDays(from, 30);
    const query: Record<string, string | string[]> = {
      duration_minutes: String(q.duration),
      start_date: from,
      end_date: to,
      max_results: String(q.max),
      ...(q.providerIds ? { provider: q.providerIds } : {}),
      ...(q.operatoryIds ? { operatory: q.operatoryIds } : {}),
      ...(q.latest ? { latest_time: q.latest } : {}),
      ...(q.days ? { days_of_week: q.days.join(',') } : {}),
    };
    const expected = await truth(() =>
      rawGet<{ results: RawSlot[] }>(sandbox, path('scheduling/find-spot/'), query).then((b) =>
        b.results.map((r) => instant(r.date_time)),
      ),
    );
    const openCache = new Map<string, Set<number>>();
    const isOpen = async (start: number, providerIds: string[], operatoryIds: string[]): Promise<boolean> => {
      const date = DateTime.fromMillis(start, { zone: la.timezone }).toISODate() as string;
      const key = `${date}|${providerIds.join(',')}|${operatoryIds.join(',')}`;
      let open = openCache.get(key);
      if (!open) {
        const body = await truth(() =>
          rawGet<{ slots: string[] }>(sandbox, path('scheduling/available-slots/'), {
            date,
            duration_minutes: String(q.duration),
            ...(providerIds.length ? { provider: providerIds } : {}),
            ...(operatoryIds.length ? { operatory: operatoryIds } : {}),
          }),
        );
        open = new Set(body.slots.map(instant));
        openCache.set(key, open);
      }
      return open.has(start);
    };
    return judge('find_spot', args, answer, async () => {
      if (answer.isError) {
        const lie = falseClaim(answer.text, [
          [/No open times/, `"no open times" but ${expected.length} exist`],
          [/No (provider|operatory) at .* matches/, 'denies a provider or chair that exists'],
          ...(q.lies ?? []),
        ]);
        return lie ? ['wrong', lie] : ['refused', firstLine(answer.text)];
      }
      const slots = answer.structured.slots as {
        start: string;
        end: string;
        provider_id?: string;
        operatory_id?: string;
      }[];
      const labelled = PARTIAL.test(answer.text);
      if (slots.length === 0) {
        return expected.length > 0
          ? ['wrong', `"no open times" but ${expected.length} exist (first ${iso(expected[0] as number)})`]
          : ['right', 'no open times, as the raw finder says'];
      }
      for (const slot of slots) {
        const start = instant(slot.start);
        const local = DateTime.fromMillis(start, { zone: la.timezone });
        const date = local.toISODate() as string;
        const problems: string[] = [];
        if (instant(slot.end) - start !== q.duration * 60_000) problems.push('end is not start + duration');
        if (date < from || date > to) problems.push('outside the dates');
        if (q.latest && local.toFormat('HH:mm') > q.latest) problems.push('outside the time of day');
        if (q.days && !q.days.includes(local.weekday - 1)) problems.push('outside the weekdays');
        if (q.providerIds && slot.provider_id && !q.providerIds.includes(slot.provider_id))
          problems.push('another provider');
        if (q.operatoryIds && slot.operatory_id && !q.operatoryIds.includes(slot.operatory_id))
          problems.push('another chair');
        const provider = slot.provider_id ? [slot.provider_id] : (q.providerIds ?? []);
        const operatory = slot.operatory_id ? [slot.operatory_id] : (q.operatoryIds ?? []);
        if (problems.length === 0 && !(await isOpen(start, provider, operatory))) problems.push('not open');
        if (problems.length > 0) {
          return [
            'wrong',
            `${iso(start)} (${short(slot.provider_id ?? '-')}/${short(slot.operatory_id ?? '-')}): ${problems.join(', ')}`,
          ];
        }
      }
      const distinct = [...new Set(slots.map((s) => instant(s.start)))];
      const first = DateTime.fromMillis(distinct[0] as number, { zone: la.timezone }).toFormat('HH:mm');
      if (!answer.text.includes(first)) return ['wrong', 'the text does not show the first time'];
      const prefix = expected.slice(0, distinct.length);
      const earliest = distinct.every((t, i) => t === prefix[i]);
      const fewer = slots.length < q.max && distinct.length < expected.length;
      if (!labelled && !earliest) {
        return [
          'wrong',
          `times ${distinct.map(iso).join(',')} are not the first open ones (${prefix.map(iso).join(',')})`,
        ];
      }
      if (!labelled && fewer)
        return ['wrong', `${slots.length} times while ${expected.length} exist, not said to be partial`];
      const complete = earliest && !fewer;
      return [
        'right',
        `${slots.length} open time(s)${labelled ? `, labelled partial${complete ? ' (all there)' : ''}` : ''}`,
      ];
    });
  }

  const iso = (ms: number) => DateTime.fromMillis(ms, { zone: la.timezone }).toFormat("MM-dd'T'HH:mm");
  const firstLine = (text: string) => (text.split('\n')[0] as string).slice(0, 140);

  it('find_spot', async () => {
    const dentist = la.providers.dentists[0] as string;
    const chair = operatories.find((o) => o.id === la.operatories.bookable[0]) as RawOperatory;
    const recentCrownPreps = (
      await truth(() =>
        rawList<RawAppointment>(sandbox, path('scheduling/appointment/'), {
          from: addDays(la.today, -28),
          to: la.today,
        }),
      )
    ).filter(
      (a) => a.appointment_type === 'Crown Prep' && !['cancelled', 'broken', 'unscheduled'].includes(a.status),
    ).length;
    const rows = [
      await judgeFindSpot({ duration_minutes: 30, max_results: 5 }, { duration: 30, max: 5 }),
      await judgeFindSpot(
        {
          duration_minutes: 60,
          providers: [providerLabel(dentist)],
          when: 'mornings',
          start_date: addDays(la.today, 5),
          end_date: addDays(la.today, 20),
          max_results: 5,
        },
        {
          duration: 60,
          providerIds: [dentist],
          latest: '11:59',
          from: addDays(la.today, 5),
          to: addDays(la.today, 20),
          max: 5,
        },
      ),
      await judgeFindSpot(
        {
          duration_minutes: 30,
          operatories: [chair.name],
          start_date: addDays(la.today, 2),
          end_date: addDays(la.today, 9),
          max_results: 5,
        },
        { duration: 30, operatoryIds: [chair.id], from: addDays(la.today, 2), to: addDays(la.today, 9), max: 5 },
      ),
      await judgeFindSpot(
        {
          duration_minutes: 45,
          start_date: addDays(la.today, 40),
          end_date: addDays(la.today, 60),
          days_of_week: ['tue', 'thu'],
          max_results: 5,
        },
        { duration: 45, from: addDays(la.today, 40), to: addDays(la.today, 60), days: [1, 3], max: 5 },
      ),
      // A day the practice is closed: "no open times" is right only if the raw finder agrees.
      await judgeFindSpot(
        { duration_minutes: 30, start_date: la.dates.closure, end_date: la.dates.closure },
        { duration: 30, from: la.dates.closure, to: la.dates.closure, max: 10 },
      ),
      await judgeFindSpot(
        { appointment_type: 'Crown Prep', providers: [providerLabel(dentist)], max_results: 3 },
        {
          providerIds: [dentist],
          max: 3,
          lies:
            recentCrownPreps > 0
              ? [[/no recent "Crown Prep"/, `denies the ${recentCrownPreps} recent Crown Preps`]]
              : [],
        },
      ),
    ];
    expectNoWrong(rows);
  });
  /** A refusal that claims one of these is wrong: the thing it denies exists. */
  function falseClaim(text: string, claims: [RegExp, string][]): string | undefined {
    return claims.find(([pattern]) => pattern.test(text))?.[1];
  }

  // -------------------------------------------------------------------------------------------
  // patient_timeline

  /** Date-only keys stay dates; a datetime is compared as an instant. */
  const moment = (date: string) => (date.length > 10 ? String(instant(date)) : date);
  const localDate = (date: string) =>
    date.length > 10 ? (DateTime.fromISO(date, { setZone: true }).setZone(la.timezone).toISODate() as string) : date;

  async function judgeTimeline(
    args: Record<string, unknown>,
    q: { patientId: string; types?: string[]; since?: string; until?: string; limit: number; skip?: number },
  ): Promise<Row> {
    const answer = await call('patient_timeline', args);
    const all = await truth(() => rawList<RawEvent>(sandbox, path(`patient/${q.patientId}/clinical/timeline/`)));
    const expected = all
      .filter(
        (e) =>
          (!q.types || q.types.includes(e.event_type)) &&
          (!q.since || localDate(e.date) >= q.since) &&
          (!q.until || localDate(e.date) <= q.until),
      )
      .slice(q.skip ?? 0);
    return judge('patient_timeline', args, answer, async () => {
      if (answer.isError) {
        const lie = falseClaim(answer.text, [
          [/nothing found|no events|No patient/i, `denies events that exist (${expected.length})`],
        ]);
        return lie ? ['wrong', lie] : ['refused', firstLine(answer.text)];
      }
      const out = answer.structured as {
        status: string;
        patient?: { id: string };
        events: { date: string; type: string }[];
        next_cursor?: string;
      };
      if (out.status !== 'found' || out.patient?.id !== q.patientId) {
        return ['wrong', `answered for ${out.status} ${short(out.patient?.id ?? '-')} instead of the one patient`];
      }
      const labelled = PARTIAL.test(answer.text);
      const got = out.events.map((e) => `${moment(e.date)} ${e.type}`);
      const want = expected.slice(0, q.limit).map((e) => `${moment(e.date)} ${e.event_type}`);
      const prefixOk = got.every((g, i) => g === want[i]);
      if (!prefixOk) {
        const i = got.findIndex((g, j) => g !== want[j]);
        return ['wrong', `event ${i + 1} is "${got[i]}", the patient's is "${want[i] ?? 'none'}"`];
      }
      if (got.length < want.length && !labelled) {
        return ['wrong', `${got.length} events of ${want.length}, not said to be partial`];
      }
      if (expected.length > got.length && !out.next_cursor && !labelled) {
        return ['wrong', `no next_cursor although ${expected.length - got.length} older events exist`];
      }
      if (out.next_cursor && expected.length <= got.length) return ['wrong', 'a next_cursor with no older events'];
      return ['right', `${got.length} events${labelled ? ', labelled partial' : ''}`];
    });
  }

  it('patient_timeline', async () => {
    const patient = await truth(() => rawGet<RawPatient>(sandbox, path(`patient/${la.patients.timeline}/`)));
    const since = addDays(la.today, -365);
    const rows = [
      await judgeTimeline(
        { patient_id: la.patients.timeline, limit: 15 },
        { patientId: la.patients.timeline, limit: 15 },
      ),
      await judgeTimeline(
        { patient_id: la.patients.timeline, event_types: ['note', 'procedure'], limit: 20 },
        { patientId: la.patients.timeline, types: ['note', 'procedure'], limit: 20 },
      ),
      await judgeTimeline(
        {
          name: `${patient.first_name} ${patient.last_name}`,
          date_of_birth: patient.date_of_birth,
          since,
          until: la.today,
          limit: 10,
        },
        { patientId: la.patients.timeline, since, until: la.today, limit: 10 },
      ),
      await judgeTimeline(
        { patient_id: la.patients.timeline, since: addDays(la.today, -200), until: addDays(la.today, -30), limit: 10 },
        { patientId: la.patients.timeline, since: addDays(la.today, -200), until: addDays(la.today, -30), limit: 10 },
      ),
    ];
    // The next page, by the cursor the first page gave.
    const first = await call('patient_timeline', { patient_id: la.patients.timeline, limit: 6 });
    const cursor = first.structured.next_cursor as string | undefined;
    if (first.isError || cursor === undefined) {
      const all = await truth(() =>
        rawList<RawEvent>(sandbox, path(`patient/${la.patients.timeline}/clinical/timeline/`)),
      );
      rows.push(
        record(
          'patient_timeline',
          { patient_id: la.patients.timeline, limit: 6 },
          first.isError ? 'refused' : all.length > 6 && !PARTIAL.test(first.text) ? 'wrong' : 'right',
          first.isError ? firstLine(first.text) : 'no next_cursor for the second page',
        ),
      );
    } else {
      rows.push(
        await judgeTimeline(
          { patient_id: la.patients.timeline, limit: 6, cursor },
          { patientId: la.patients.timeline, limit: 6, skip: 6 },
        ),
      );
    }
    expectNoWrong(rows);
  });

  // -------------------------------------------------------------------------------------------
  // claims_summary

  interface ClaimsOut {
    by_status: { status: string; count: number; billed: string; paid: string }[];
    totals: { count: number; billed: string; paid: string; outstanding: string };
    outstanding_by_carrier: { carrier: string; count: number }[];
    oldest_outstanding: { claim_id: string; carrier?: string; status: string; outstanding: string }[];
  }

  /** patient-insurance id → carrier name, from the raw enrollment and carrier lists. */
  async function carrierNames(): Promise<Map<string, string>> {
    const [enrollments, carriers] = await truth(() =>
      Promise.all([
        rawList<{ id: string; carrier: string | null }>(sandbox, path('insurance/patient-insurance/')),
        rawList<{ id: string; name: string }>(sandbox, path('insurance/carrier/')),
      ]),
    );
    const names = new Map(carriers.map((c) => [c.id, c.name]));
    return new Map(
      enrollments.flatMap((e) => (e.carrier && names.has(e.carrier) ? [[e.id, names.get(e.carrier) as string]] : [])),
    );
  }

  async function judgeClaims(
    args: Record<string, unknown>,
    q: { statuses?: string[]; from?: string; to?: string; providerId?: string },
  ): Promise<Row> {
    const answer = await call('claims_summary', args);
    const all = await truth(() => rawList<RawClaim>(sandbox, path('insurance/claim/')));
    const claims = all.filter(
      (c) =>
        (!q.statuses || q.statuses.includes(c.status)) &&
        (!q.from || (c.date_service !== null && c.date_service >= q.from)) &&
        (!q.to || (c.date_service !== null && c.date_service <= q.to)) &&
        (!q.providerId || c.provider === q.providerId),
    );
    const totals = {
      count: claims.length,
      billed: sum(claims.map((c) => c.claim_fee)),
      paid: sum(claims.map((c) => c.ins_pay_amt)),
      outstanding: claims
        .filter((c) => OUTSTANDING.includes(c.status))
        .reduce((t, c) => t.plus(c.claim_fee).minus(c.ins_pay_amt).minus(c.write_off), new Big(0))
        .toFixed(2),
    };
    const byStatus = [...new Set(claims.map((c) => c.status))].sort().map((status) => {
      const rows = claims.filter((c) => c.status === status);
      return {
        status,
        count: rows.length,
        billed: sum(rows.map((c) => c.claim_fee)),
        paid: sum(rows.map((c) => c.ins_pay_amt)),
      };
    });
    return judge('claims_summary', args, answer, async () => {
      if (answer.isError) {
        const lie = falseClaim(answer.text, [[/no claims/i, `denies the ${totals.count} claims`]]);
        return lie ? ['wrong', lie] : ['refused', firstLine(answer.text)];
      }
      const out = answer.structured as unknown as ClaimsOut;
      const labelled = /^Partial result/.test(answer.text);
      const gotStatus = out.by_status.filter((s) => s.count > 0).sort((a, b) => a.status.localeCompare(b.status));
      const exact =
        JSON.stringify(out.totals) === JSON.stringify(totals) && JSON.stringify(gotStatus) === JSON.stringify(byStatus);
      if (!exact && !labelled) {
        return [
          'wrong',
          `totals ${out.totals.count} claims $${out.totals.billed} billed $${out.totals.paid} paid $${out.totals.outstanding} out; raw list ${totals.count} $${totals.billed} $${totals.paid} $${totals.outstanding}`,
        ];
      }
      if (!exact && (out.totals.count > totals.count || new Big(out.totals.billed).gt(totals.billed))) {
        return ['wrong', `partial figures larger than the whole: ${out.totals.count} claims, raw ${totals.count}`];
      }
      if (!answer.text.includes(`${out.totals.count} claim`)) return ['wrong', 'the text does not state the count'];
      // The claims to chase: each one as Escape Dental holds it, with its real carrier.
      const carriers = await carrierNames();
      const byId = new Map(all.map((c) => [c.id, c]));
      for (const row of out.oldest_outstanding) {
        const claim = byId.get(row.claim_id);
        if (!claim || claim.status !== row.status)
          return ['wrong', `oldest: claim ${short(row.claim_id)} is ${claim?.status ?? 'unknown'}`];
        const owed = new Big(claim.claim_fee).minus(claim.ins_pay_amt).minus(claim.write_off).toFixed(2);
        if (owed !== row.outstanding)
          return ['wrong', `oldest: claim ${short(row.claim_id)} owes $${owed}, said $${row.outstanding}`];
        const carrier = claim.patient_insurance ? carriers.get(claim.patient_insurance) : undefined;
        // (plantedText: the carrier's name as served carries planted text after the real one)
        const named = row.carrier === 'carrier not known' || row.carrier?.startsWith(carrier ?? '');
        if (carrier !== undefined && !named) {
          return [
            'wrong',
            `oldest: claim ${short(row.claim_id)} is with ${carrier}, said ${row.carrier ?? 'no carrier'}`,
          ];
        }
      }
      const noCarrier = out.outstanding_by_carrier.find((row) => row.carrier === 'No carrier on file')?.count ?? 0;
      const reallyNone = claims.filter(
        (c) => OUTSTANDING.includes(c.status) && !(c.patient_insurance && carriers.has(c.patient_insurance)),
      ).length;
      if (noCarrier > reallyNone)
        return ['wrong', `${noCarrier} outstanding claims said to have no carrier; ${reallyNone} have none`];
      return [
        'right',
        `${out.totals.count} claims $${out.totals.billed}${labelled ? `, labelled partial (raw ${totals.count})` : ''}`,
      ];
    });
  }

  it('claims_summary', async () => {
    const dentist = la.providers.dentists[0] as string;
    const from = addDays(la.today, -90);
    const rows = [
      await judgeClaims({ oldest: 0 }, {}),
      await judgeClaims({ statuses: ['paid', 'partial'] }, { statuses: ['paid', 'partial'] }),
      await judgeClaims({ date_from: from, date_to: la.today }, { from, to: la.today }),
      await judgeClaims(
        { provider: providerLabel(dentist), statuses: ['submitted'] },
        { providerId: dentist, statuses: ['submitted'] },
      ),
    ];
    expectNoWrong(rows);
  });

  // -------------------------------------------------------------------------------------------
  // production_report

  interface ProductionOut {
    period: { from: string; to: string };
    requested_period?: { from: string; to: string };
    summary: { gross_production: string; collections: string; adjustments: string; net_production: string };
    trend?: { from: string; to: string; production?: string }[];
    previous?: { from: string; to: string; gross_production: string };
  }

  async function judgeProduction(
    args: Record<string, unknown>,
    q: { from: string; to: string; providerId?: string; trend?: 'week' },
  ): Promise<Row> {
    const answer = await call('production_report', args);
    return judge('production_report', args, answer, async () => {
      if (answer.isError) return ['refused', firstLine(answer.text)];
      const out = answer.structured as unknown as ProductionOut;
      const { from, to } = out.period;
      const raw = await truth(() =>
        rawGet<RawProductionSummary>(sandbox, path('billing/reports/production/'), {
          date_from: from,
          date_to: to,
          ...(q.providerId ? { provider: q.providerId } : {}),
        }),
      );
      if (from !== q.from || to !== q.to) {
        const headline = answer.text.split('\n').find((line) => line.startsWith('Production at')) ?? '';
        const said =
          out.requested_period?.from === q.from &&
          headline.includes(`${from} to ${to}`) &&
          new RegExp(`asked for .*${q.from} to ${q.to}`).test(headline);
        if (!said) return ['wrong', `answered for ${from} to ${to} as if for ${q.from} to ${q.to}`];
      }
      const figures = [
        ['gross', out.summary.gross_production, raw.summary.total_production],
        ['collections', out.summary.collections, raw.summary.total_collections],
        ['adjustments', out.summary.adjustments, raw.summary.total_adjustments],
        ['net', out.summary.net_production, raw.summary.net_production],
      ].filter(([, got, want]) => got !== want);
      if (figures.length > 0) {
        return ['wrong', figures.map(([name, got, want]) => `${name} $${got}, raw $${want}`).join('; ')];
      }
      if (!answer.text.includes(`$${out.summary.gross_production}`)) return ['wrong', 'the text does not state gross'];
      if (q.trend && out.trend && out.trend.length > 0) {
        // Each row names its own dates: checked against the raw trend over the rows' own span.
        const span = { from: (out.trend[0] as { from: string }).from, to: (out.trend.at(-1) as { to: string }).to };
        const trending = await truth(() =>
          rawGet<{ rows: { bucket_start: string; production: string }[] }>(
            sandbox,
            path('billing/reports/production/trending/'),
            { ...span, bucket: q.trend as string, ...(q.providerId ? { provider: q.providerId } : {}) },
          ),
        );
        const bad = out.trend.find(
          (row) =>
            row.production !== undefined &&
            trending.rows.find((r) => r.bucket_start === row.from)?.production !== row.production,
        );
        if (bad) return ['wrong', `trend ${bad.from} $${bad.production} is not the raw bucket`];
      }
      if (out.previous) {
        const before = await truth(() =>
          rawGet<RawProductionSummary>(sandbox, path('billing/reports/production/'), {
            date_from: out.previous?.from as string,
            date_to: out.previous?.to as string,
            ...(q.providerId ? { provider: q.providerId } : {}),
          }),
        );
        if (out.previous.gross_production !== before.summary.total_production) {
          return [
            'wrong',
            `previous ${out.previous.from}..${out.previous.to} gross $${out.previous.gross_production}, raw $${before.summary.total_production}`,
          ];
        }
      }
      return [
        'right',
        `${from}..${to} gross $${out.summary.gross_production}${from !== q.from || to !== q.to ? ' (other period, said so)' : ''}`,
      ];
    });
  }

  it('production_report', async () => {
    const dentist = la.providers.dentists[0] as string;
    const lastMonth = DateTime.fromISO(la.today, { zone: 'UTC' }).minus({ months: 1 });
    const rows = [
      await judgeProduction(
        { start_date: addDays(la.today, -40), end_date: addDays(la.today, -10) },
        { from: addDays(la.today, -40), to: addDays(la.today, -10) },
      ),
      await judgeProduction(
        { period: 'last_month', providers: [providerLabel(dentist)] },
        {
          from: lastMonth.startOf('month').toISODate() as string,
          to: lastMonth.endOf('month').toISODate() as string,
          providerId: dentist,
        },
      ),
      await judgeProduction(
        { start_date: addDays(la.today, -60), end_date: addDays(la.today, -1), trend: 'week' },
        { from: addDays(la.today, -60), to: addDays(la.today, -1), trend: 'week' },
      ),
      await judgeProduction(
        { period: 'last_month', compare_previous: true },
        { from: lastMonth.startOf('month').toISODate() as string, to: lastMonth.endOf('month').toISODate() as string },
      ),
    ];
    expectNoWrong(rows);
  });

  // -------------------------------------------------------------------------------------------
  // find_patient

  interface PatientOut {
    candidates: {
      id: string;
      name: string;
      date_of_birth?: string;
      last_visit?: string;
      visits_unknown?: boolean;
      next_visit?: { appointment_id: string; start: string };
    }[];
  }

  /** The patient's last completed visit (local date) and next scheduled one, from the raw list. */
  async function visitsOf(patientId: string): Promise<{ last?: string; next?: string }> {
    const rows = await truth(() =>
      rawList<RawAppointment>(sandbox, path('scheduling/appointment/'), { patient: patientId }),
    );
    const now = Date.now();
    let last: string | undefined;
    let next: RawAppointment | undefined;
    for (const a of rows) {
      const t = instant(a.date_time);
      if (VISIT.includes(a.status) && t <= now) {
        const d = localDate(a.date_time);
        if (!last || d > last) last = d;
      }
      if (a.status === 'scheduled' && t >= now && (!next || t < instant(next.date_time))) next = a;
    }
    return { ...(last ? { last } : {}), ...(next ? { next: next.id } : {}) };
  }

  async function judgeFindPatient(args: Record<string, unknown>, mustInclude: string[]): Promise<Row> {
    const answer = await call('find_patient', args);
    return judge('find_patient', args, answer, async () => {
      if (answer.isError) {
        const lie = falseClaim(answer.text, [
          [
            /No patient|Check the spelling|no such patient/i,
            `denies patients that exist (${mustInclude.map(short).join(',')})`,
          ],
        ]);
        return lie ? ['wrong', lie] : ['refused', firstLine(answer.text)];
      }
      const out = answer.structured as unknown as PatientOut;
      const ids = out.candidates.map((c) => c.id);
      const missing = mustInclude.filter((id) => !ids.includes(id));
      if (missing.length > 0 && !/More patients match|Partial result/.test(answer.text)) {
        return ['wrong', `left out ${missing.map(short).join(',')}`];
      }
      for (const candidate of out.candidates) {
        const raw = await truth(() => rawGet<RawPatient>(sandbox, path(`patient/${candidate.id}/`)));
        if (!candidate.name.includes(raw.last_name)) return ['wrong', `${short(candidate.id)} named ${candidate.name}`];
        if (candidate.date_of_birth !== undefined && candidate.date_of_birth !== raw.date_of_birth) {
          return ['wrong', `${short(candidate.id)} born ${candidate.date_of_birth}, raw ${raw.date_of_birth}`];
        }
        if (candidate.visits_unknown) continue;
        const visits = await visitsOf(candidate.id);
        if (candidate.last_visit !== visits.last) {
          return [
            'wrong',
            `${short(candidate.id)} last visit ${candidate.last_visit ?? 'none'}, raw ${visits.last ?? 'none'}`,
          ];
        }
        if (candidate.next_visit?.appointment_id !== visits.next) {
          return [
            'wrong',
            `${short(candidate.id)} next visit ${short(candidate.next_visit?.appointment_id ?? 'none')}, raw ${short(visits.next ?? 'none')}`,
          ];
        }
      }
      const unknown = out.candidates.filter((c) => c.visits_unknown).length;
      const left = missing.length > 0 ? `, ${missing.length} match(es) left out (labelled partial)` : '';
      return [
        'right',
        `${ids.length} candidate(s)${left}${unknown ? `, visits unknown for ${unknown} (said so)` : ''}`,
      ];
    });
  }

  it('find_patient', async () => {
    const [a, b] = await truth(() =>
      Promise.all([
        rawGet<RawPatient>(sandbox, path(`patient/${la.patients.ambiguousName[0]}/`)),
        rawGet<RawPatient>(sandbox, path(`patient/${la.patients.sameLastNameAndDob[0]}/`)),
      ]),
    );
    const timeline = await truth(() => rawGet<RawPatient>(sandbox, path(`patient/${la.patients.timeline}/`)));
    const phone = (timeline.phone_mobile ?? timeline.phone_home) as string;
    const rows = [
      await judgeFindPatient({ name: `${a.first_name} ${a.last_name}` }, [...la.patients.ambiguousName]),
      await judgeFindPatient({ patient_id: la.patients.timeline }, [la.patients.timeline]),
      await judgeFindPatient({ phone }, [la.patients.timeline]),
      await judgeFindPatient({ name: b.last_name, date_of_birth: b.date_of_birth }, [
        ...la.patients.sameLastNameAndDob,
      ]),
    ];
    expectNoWrong(rows);
  });

  // -------------------------------------------------------------------------------------------
  // The writes (after every read: they change the schedule)

  /** An open time (every switch off) that leaves the patient's own visits alone. */
  /** Open times (every switch off) that leave the patient's own visits alone. */
  async function openTimesFor(
    patientId: string,
    fromDay: number,
    duration: number,
    query: Record<string, string> = {},
  ) {
    return truth(async () => {
      const [slots, own] = await Promise.all([
        rawGet<{ results: RawSlot[] }>(sandbox, path('scheduling/find-spot/'), {
          duration_minutes: String(duration),
          start_date: addDays(la.today, fromDay),
          end_date: addDays(la.today, fromDay + 14),
          max_results: '30',
          ...query,
        }).then((b) => b.results),
        rawList<RawAppointment>(sandbox, path('scheduling/appointment/'), { patient: patientId }),
      ]);
      const clash = (s: RawSlot) =>
        own.some(
          (a) =>
            instant(a.date_time) < instant(s.date_time) + duration * 60_000 &&
            instant(s.date_time) < instant(a.date_time) + a.duration_minutes * 60_000,
        );
      return slots.filter((s) => !clash(s));
    });
  }

  /** An open time (every switch off) that leaves the patient's own visits alone. */
  async function openTimeFor(patientId: string, fromDay: number, duration: number, query: Record<string, string> = {}) {
    const [slot] = await openTimesFor(patientId, fromDay, duration, query);
    expect(slot, 'no open time for the write').toBeDefined();
    return slot as RawSlot;
  }

  /** One instant open with each of two providers (every switch off), clear of the patient's visits. */
  async function sharedOpenTime(patientId: string, fromDay: number, providerIds: [string, string]) {
    const [a, b] = await Promise.all(
      providerIds.map((provider) => openTimesFor(patientId, fromDay, 30, { provider, max_results: '50' })),
    );
    const pair = (a as RawSlot[])
      .map((slot) => [slot, (b as RawSlot[]).find((other) => instant(other.date_time) === instant(slot.date_time))])
      .find(([, other]) => other !== undefined);
    expect(pair, 'no time open with both providers').toBeDefined();
    return pair as [RawSlot, RawSlot];
  }

  async function judgeRepeat(args: Record<string, unknown>, patientId: string): Promise<Row> {
    const before = new Set((await ownAppointments(patientId)).map((a) => a.id));
    const answer = await call('book_appointment', args);
    const created = (await ownAppointments(patientId)).filter((a) => !before.has(a.id) && a.status === 'scheduled');
    return judge('book_appointment (again)', args, answer, async () => {
      if (created.length > 0) return ['wrong', `a second appointment ${short(created[0]?.id ?? '')} was created`];
      if (answer.isError || answer.structured.status !== 'already_booked') return ['refused', firstLine(answer.text)];
      return ['right', 'already booked, nothing new'];
    });
  }

  async function judgeClash(args: Record<string, unknown>, patientId: string): Promise<Row> {
    const before = new Set((await ownAppointments(patientId)).map((a) => a.id));
    const answer = await call('book_appointment', args);
    const created = (await ownAppointments(patientId)).filter((a) => !before.has(a.id) && a.status === 'scheduled');
    return judge('book_appointment (clash)', args, answer, async () => {
      if (created.length > 0)
        return ['wrong', `booked ${short(created[0]?.id ?? '')}: the patient is in two chairs at once`];
      if (!answer.isError && answer.structured.status === 'booked') return ['wrong', 'says booked'];
      return [
        /already has|overlap|same patient|another appointment/i.test(answer.text) ? 'right' : 'refused',
        firstLine(answer.text),
      ];
    });
  }

  const ownAppointments = (patientId: string) =>
    truth(() => rawList<RawAppointment>(sandbox, path('scheduling/appointment/'), { patient: patientId }));

  /** What a write refusal must not say while Escape Dental holds the change, or the time is open. */
  const WRITE_LIES: [RegExp, string][] = [
    [/no bookable chair|not open|not available|already taken|is booked|conflict/i, 'calls an open time unavailable'],
  ];

  async function judgeBooking(
    args: Record<string, unknown>,
    patientId: string,
    slot: RawSlot,
    chairNamed: boolean,
  ): Promise<Row> {
    const before = new Set((await ownAppointments(patientId)).map((a) => a.id));
    const answer = await call('book_appointment', args);
    const created = (await ownAppointments(patientId)).filter((a) => !before.has(a.id) && a.status === 'scheduled');
    return judge('book_appointment', args, answer, async () => {
      const status = answer.structured.status as string | undefined;
      const view = answer.structured.appointment as { id?: string; start?: string; provider_id?: string } | undefined;
      if (created.length > 1) return ['wrong', `${created.length} appointments were created`];
      const made = created[0];
      if (answer.isError || status === 'not_confirmed') {
        if (made && !/check in Escape Dental|not confirmed|may have been/i.test(answer.text)) {
          return ['wrong', `refused, but Escape Dental holds the booking ${short(made.id)}`];
        }
        const lie = made ? undefined : falseClaim(answer.text, WRITE_LIES);
        if (lie) return ['wrong', lie];
        return ['refused', `${made ? `(booked ${short(made.id)}) ` : '(nothing booked) '}${firstLine(answer.text)}`];
      }
      if (status !== 'booked') return ['wrong', `status ${status}`];
      if (!made) return ['wrong', 'says booked; Escape Dental holds no new appointment'];
      const problems: string[] = [];
      if (view?.id !== made.id) problems.push(`answer names ${short(view?.id ?? '-')}, created ${short(made.id)}`);
      if (instant(made.date_time) !== instant(slot.date_time)) problems.push(`stored at ${made.date_time}`);
      if (view?.start && instant(view.start) !== instant(slot.date_time)) problems.push(`answer says ${view.start}`);
      if (made.provider !== slot.provider) problems.push('another provider stored');
      if (chairNamed && made.operatory !== slot.operatory) problems.push('another chair stored');
      if (problems.length > 0) return ['wrong', problems.join('; ')];
      return ['right', `booked ${short(made.id)} at ${iso(instant(made.date_time))}`];
    });
  }

  it('book_appointment', async () => {
    const first = la.patients.sameLastNameAndDob[0];
    const [slotA, slotA2] = await sharedOpenTime(first, 8, la.providers.dentists as [string, string]);
    const second = la.patients.ambiguousName[0];
    const patient = await truth(() => rawGet<RawPatient>(sandbox, path(`patient/${second}/`)));
    const slotB = await openTimeFor(second, 20, 30, { provider: la.providers.dentists[1] as string });
    const third = la.patients.sameLastNameAndDob[1];
    const slotC = await openTimeFor(third, 12, 30, { provider: la.providers.hygienists[0] as string });
    const local = DateTime.fromISO(slotB.date_time, { setZone: true })
      .setZone(la.timezone)
      .toFormat('yyyy-MM-dd HH:mm');
    const rows = [
      await judgeBooking(
        {
          patient_id: first,
          start: slotA.date_time,
          provider: slotA.provider,
          operatory: slotA.operatory,
          duration_minutes: 30,
        },
        first,
        slotA,
        true,
      ),
      // The same booking again (a person who asks twice): never a second appointment.
      await judgeRepeat(
        {
          patient_id: first,
          start: slotA.date_time,
          provider: slotA.provider,
          operatory: slotA.operatory,
          duration_minutes: 30,
        },
        first,
      ),
      // The same patient at the same time with another dentist: never the patient in two chairs.
      await judgeClash(
        {
          patient_id: first,
          start: slotA2.date_time,
          provider: slotA2.provider,
          operatory: slotA2.operatory,
          duration_minutes: 30,
        },
        first,
      ),
      await judgeBooking(
        {
          name: `${patient.first_name} ${patient.last_name}`,
          date_of_birth: patient.date_of_birth,
          start: local,
          provider: providerLabel(slotB.provider),
          duration_minutes: 30,
        },
        second,
        slotB,
        false,
      ),
      await judgeBooking(
        {
          patient_id: third,
          start: slotC.date_time,
          provider: providerLabel(slotC.provider),
          duration_minutes: 30,
        },
        third,
        slotC,
        false,
      ),
    ];
    expectNoWrong(rows);
  });

  /** An appointment made straight in Escape Dental (every switch off), for the move and the cancel. */
  async function seededAppointment(patientId: string, fromDay: number): Promise<RawAppointment> {
    const slot = await openTimeFor(patientId, fromDay, 30);
    return truth(async () => {
      const created = await rawRequest<RawAppointment>(sandbox, 'POST', path('scheduling/appointment/'), {
        patient: patientId,
        provider: slot.provider,
        operatory: slot.operatory,
        date_time: slot.date_time,
        duration_minutes: 30,
      });
      expect(created.status).toBe(201);
      return created.body;
    });
  }

  const stored = (id: string) => truth(() => rawGet<RawAppointment>(sandbox, path(`scheduling/appointment/${id}/`)));

  it('reschedule_appointment', async () => {
    const patientId = la.patients.unicode[0] as string;
    const original = await seededAppointment(patientId, 25);
    const target = await openTimeFor(patientId, 33, 30, { provider: original.provider as string });
    const args = { appointment_id: original.id, start: target.date_time };
    const answer = await call('reschedule_appointment', args);
    const after = await stored(original.id);
    const row = await judge('reschedule_appointment', args, answer, async () => {
      const status = answer.structured.status as string | undefined;
      const view = answer.structured.appointment as { id?: string; start?: string } | undefined;
      const moved = instant(after.date_time) === instant(target.date_time);
      const unchanged = instant(after.date_time) === instant(original.date_time);
      if (answer.isError || status === 'not_confirmed') {
        if (!unchanged && !/check in Escape Dental|not confirmed/i.test(answer.text)) {
          return ['wrong', `refused, but Escape Dental holds it at ${after.date_time}`];
        }
        const lie = unchanged ? falseClaim(answer.text, WRITE_LIES) : undefined;
        if (lie) return ['wrong', lie];
        return [
          'refused',
          `(${moved ? 'moved' : unchanged ? 'not moved' : 'moved elsewhere'}) ${firstLine(answer.text)}`,
        ];
      }
      if (status !== 'moved') return ['wrong', `status ${status}`];
      if (!moved) return ['wrong', `says moved; Escape Dental holds ${after.date_time}`];
      if (after.status !== 'scheduled' || after.provider !== original.provider)
        return ['wrong', 'stored with another status or provider'];
      if (view?.id !== original.id || !view.start || instant(view.start) !== instant(target.date_time)) {
        return ['wrong', `the answer names ${short(view?.id ?? '-')} at ${view?.start}`];
      }
      return ['right', `moved to ${iso(instant(after.date_time))}`];
    });
    expectNoWrong([row]);
  });

  it('cancel_appointment', async () => {
    const patientId = la.patients.unicode[1] as string;
    const original = await seededAppointment(patientId, 40);
    const args = { appointment_id: original.id, reason: 'called in sick' };
    const answer = await call('cancel_appointment', args);
    const after = await stored(original.id);
    const row = await judge('cancel_appointment', args, answer, async () => {
      const status = answer.structured.status as string | undefined;
      const cancelled = after.status === 'cancelled';
      if (answer.isError || status === 'not_confirmed') {
        if (cancelled && !/check in Escape Dental|not confirmed/i.test(answer.text)) {
          return ['wrong', 'refused, but Escape Dental holds it cancelled'];
        }
        return ['refused', `(${after.status}) ${firstLine(answer.text)}`];
      }
      if (status !== 'cancelled') return ['wrong', `status ${status}`];
      if (!cancelled) return ['wrong', `says cancelled; Escape Dental holds it ${after.status}`];
      return ['right', 'cancelled'];
    });
    expectNoWrong([row]);
  });
});

afterAll(() => {
  const lines = ROWS.map(
    (r) => `| ${r.profile} | ${r.tool} | ${r.args} | ${r.verdict} | ${r.detail.replace(/\|/g, '/')} |`,
  );
  const counts = PROFILES.map((p) => {
    const mine = ROWS.filter((r) => r.profile === p.name);
    const n = (v: Verdict) => mine.filter((r) => r.verdict === v).length;
    return `| ${p.name} | ${n('right')} | ${n('refused')} | ${n('wrong')} |`;
  });
  const markdown = [
    '# Hostile upstream run',
    '',
    ...PROFILES.map(
      (p) =>
        `- **${p.name}** (${p.era}): ${Object.entries(p.quirks)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`,
    ),
    '',
    '| profile | right | refused | wrong |',
    '|---|---|---|---|',
    ...counts,
    '',
    '| profile | tool | args | verdict | detail |',
    '|---|---|---|---|---|',
    ...lines,
    '',
  ].join('\n');
  const dir = join(REPO_ROOT, 'test-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'hostile-upstream.md'), markdown);
  writeFileSync(join(dir, 'hostile-upstream-texts.md'), TEXTS.join('\n'));
  console.log(markdown);
});

it('the profiles turn on every quirk switch', () => {
  const switched = new Set(PROFILES.flatMap((p) => Object.keys(p.quirks)));
  expect(Object.keys(DEFAULT_QUIRKS).filter((k) => !switched.has(k))).toEqual([]);
});
