/**
 * kpi_scorecard (and the kpi-definitions resource) through a real MCP client and server against
 * the sandbox over HTTP. Every KPI is recomputed here from raw sandbox reads — the production,
 * utilization, aging and DSO case-acceptance reports, the appointment and patient lists, the
 * practice's goals — never through the tool's code; periods are practice-local, including a
 * visit at 23:30 local on the last day of a period (its UTC date is the next day).
 */
import Big from 'big.js';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { setLedgerFlags } from '../../src/sandbox/ledger/render.js';
import { expectPastEndAnswer } from '../helpers/cursor-end.js';
import {
  callError,
  callOk,
  connectInProcess,
  type InProcessConnection,
  rawGet,
  rawList,
  startTestSandbox,
} from '../helpers/harness.js';

interface Kpi {
  key: string;
  value: string | null;
  previous: string | null;
  goal?: { value: string; basis: string };
  status?: 'on' | 'off';
  computed_by: string;
  definition: string;
}
interface Scorecard {
  period: { from: string; to: string; days: number };
  previous_period: { from: string; to: string };
  kpis: Kpi[];
}
interface RawAppointment {
  id: string;
  patient: string;
  status: string;
  date_time: string;
  scheduled_procedures: { proc_code: string }[];
}
type Practice = RunningSandbox['fixtures']['practices']['la'];

let sandbox: RunningSandbox;
let server: InProcessConnection;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  server = await connectInProcess({ sandbox });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

const pct = (part: Big | number, whole: Big | number) => {
  const w = new Big(whole);
  return w.eq(0) ? null : new Big(part).times(100).div(w).round(2, Big.roundHalfUp).toFixed(2);
};
const addDays = (date: string, n: number) => DateTime.fromISO(date).plus({ days: n }).toISODate() as string;
const HYGIENE = ['D1110', 'D1120', 'D4341', 'D4342', 'D4910'];
const STANDING = ['scheduled', 'arrived', 'seated', 'ready_for_doctor', 'ready_for_walkout', 'complete'];

/** Every KPI of one practice-local period, from raw sandbox reads. */
async function expectedFigures(p: Practice, from: string, to: string, appointments: RawAppointment[]) {
  const P = (rest: string) => `/api/v1/practice/${p.id}/${rest}`;
  const production = await rawGet<{
    summary: { total_production: string; total_collections: string; net_production: string };
  }>(sandbox, P('billing/reports/production/'), { date_from: from, date_to: to });
  const util = await rawGet<{ results: { scheduled_hours: string; available_hours: string }[] }>(
    sandbox,
    P('scheduling/reports/provider-utilization/'),
    { from, to },
  );
  const scheduled = util.results.reduce((t, r) => t.plus(r.scheduled_hours), new Big(0));
  const available = util.results.reduce((t, r) => t.plus(r.available_hours), new Big(0));
  const newPatients = await rawList(sandbox, P('patient/'), { first_visit_date_from: from, first_visit_date_to: to });
  const aging = await rawGet<{ summary: { total_ar: string; over_90: string } }>(sandbox, P('billing/reports/aging/'), {
    as_of_date: to,
  });
  const practice = await rawGet<{ client: string }>(sandbox, P(''));
  const acceptance = await rawGet<{ practices: { practice_id: string; acceptance_rate_pct: string }[] }>(
    sandbox,
    `/api/v1/clients/${practice.client}/reports/case-acceptance/`,
    { start_date: from, end_date: to },
  );
  const local = (a: RawAppointment) => DateTime.fromISO(a.date_time).setZone(p.timezone).toISODate() as string;
  const inRange = appointments.filter((a) => local(a) >= from && local(a) <= to);
  const cancelled = inRange.filter((a) => a.status === 'cancelled').length;
  const broken = inRange.filter((a) => a.status === 'broken').length;
  const hygiene = (a: RawAppointment) => a.scheduled_procedures.some((s) => HYGIENE.includes(s.proc_code));
  const last = new Map<string, number>();
  for (const a of inRange) {
    if (!['complete', 'ready_for_walkout'].includes(a.status) || !hygiene(a)) continue;
    last.set(a.patient, Math.max(last.get(a.patient) ?? 0, Date.parse(a.date_time)));
  }
  const reappointed = [...last].filter(([patient, at]) =>
    appointments.some(
      (a) => a.patient === patient && Date.parse(a.date_time) > at && STANDING.includes(a.status) && hygiene(a),
    ),
  ).length;
  const s = production.summary;
  return {
    production: s.total_production,
    net_production: s.net_production,
    collections: s.total_collections,
    collection_rate: pct(new Big(s.total_collections), new Big(s.net_production)),
    production_per_hour: scheduled.gt(0) ? new Big(s.total_production).div(scheduled).toFixed(2) : null,
    schedule_utilization: pct(scheduled, available),
    no_show_rate: pct(broken, inRange.length - cancelled),
    cancellation_rate: pct(cancelled, inRange.length),
    hygiene_reappointment: pct(reappointed, last.size),
    case_acceptance: acceptance.practices.find((r) => r.practice_id === p.id)?.acceptance_rate_pct ?? null,
    new_patients: String(newPatients.length),
    ar_over_90_share: pct(new Big(aging.summary.over_90), new Big(aging.summary.total_ar)),
  };
}

async function rawAppointments(p: Practice, from: string, to: string) {
  return rawList<RawAppointment>(sandbox, `/api/v1/practice/${p.id}/scheduling/appointment/`, { from, to });
}

function valuesOf(card: Scorecard, field: 'value' | 'previous') {
  return Object.fromEntries(card.kpis.map((k) => [k.key, k[field]]));
}

describe('kpi_scorecard', () => {
  it('recomputes every KPI of the last 30 days and the 30 before from raw sandbox data, and judges the seeded trouble', async () => {
    const { kpi, practices } = sandbox.fixtures;
    if (!kpi) throw new Error('the KPI scenario is seeded at the default scale');
    for (const [p, fixture] of [
      [practices.la, kpi.twoKpis],
      [practices.ny, kpi.oneKpiThreePeriods],
    ] as const) {
      const { structured: card, text } = await callOk<Scorecard>(server.client, 'kpi_scorecard', { practice: p.name });
      // Text and structured content together stay under ~4,000 tokens.
      expect(text.length + JSON.stringify(card).length).toBeLessThan(14_000);
      const today = DateTime.now().setZone(p.timezone).toISODate() as string;
      expect(card.period).toEqual({ from: addDays(today, -29), to: today, days: 30 });
      expect(card.previous_period).toEqual({ from: addDays(today, -59), to: addDays(today, -30) });
      const appointments = await rawAppointments(p, addDays(today, -61), addDays(today, 367));
      expect(valuesOf(card, 'value')).toEqual(await expectedFigures(p, card.period.from, card.period.to, appointments));
      expect(valuesOf(card, 'previous')).toEqual(
        await expectedFigures(p, card.previous_period.from, card.previous_period.to, appointments),
      );
      const production = card.kpis.find((k) => k.key === 'production');
      expect(production?.goal).toEqual({ value: fixture.goals.monthly, basis: "Escape's monthly production goal" });
      expect(production?.computed_by).toBe('as reported by Escape');
      expect(card.kpis.find((k) => k.key === 'collection_rate')?.computed_by).toBe('ours');
      const off = card.kpis.filter((k) => k.status === 'off').map((k) => k.key);
      expect(off.sort()).toEqual(fixture === kpi.twoKpis ? ['case_acceptance', 'no_show_rate'] : ['production']);
    }
  });

  it('counts a visit at 23:30 local on the last day of the period in that period, not the next', async () => {
    const la = sandbox.fixtures.practices.la;
    const late = la.appointments.lateNight;
    expect(late.utcDate).not.toBe(late.localDate);
    const from = addDays(late.localDate, -6);
    const { structured: card } = await callOk<Scorecard>(server.client, 'kpi_scorecard', {
      practice: la.name,
      start_date: from,
      end_date: late.localDate,
    });
    expect(card.period).toEqual({ from, to: late.localDate, days: 7 });
    expect(card.previous_period).toEqual({ from: addDays(from, -7), to: addDays(from, -1) });
    const appointments = await rawAppointments(la, addDays(from, -9), addDays(late.localDate, 367));
    const byLocal = await expectedFigures(la, from, late.localDate, appointments);
    expect(valuesOf(card, 'value')).toEqual(byLocal);
    // The visit is in the local period, and counting by UTC date would have moved it out.
    const local = appointments.find((a) => a.id === late.id);
    expect(local && DateTime.fromISO(local.date_time).setZone(la.timezone).toISODate()).toBe(late.localDate);
    const byUtc = appointments.filter((a) => a.id !== late.id);
    expect((await expectedFigures(la, from, late.localDate, byUtc)).cancellation_rate).not.toBe(
      byLocal.cancellation_rate,
    );
  });

  it('serves the kpi-definitions resource with every KPI, who computes it, and the cited sources', async () => {
    const { resources } = await server.client.listResources();
    const entry = resources.find((r) => r.name === 'kpi-definitions');
    expect(entry?.mimeType).toBe('application/json');
    const read = await server.client.readResource({ uri: entry?.uri as string });
    const doc = JSON.parse((read.contents[0] as { text: string }).text) as {
      kpis: { key: string; computed_by: string; definition: string; citations: { name: string; url: string }[] }[];
      sources: { name: string; url: string }[];
    };
    const names = doc.sources.map((s) => s.name).join(' | ');
    for (const source of ['Dental Intelligence', 'Denticon', 'Curve', 'ACT']) expect(names).toContain(source);
    const { structured: card } = await callOk<Scorecard>(server.client, 'kpi_scorecard', {
      practice: sandbox.fixtures.practices.ny.name,
      period: 'last_month',
    });
    for (const k of card.kpis) {
      const def = doc.kpis.find((d) => d.key === k.key);
      expect(def?.definition).toBe(k.definition);
      expect(def?.citations.length).toBeGreaterThan(0);
      expect(k.computed_by).toBe(def?.computed_by === 'escape' ? 'as reported by Escape' : 'ours');
    }
  });
});

interface DsoOutput {
  client_id: string;
  flagged: number;
  practice_count: number;
  practices: {
    practice_id: string;
    period: { from: string; to: string };
    flagged: boolean;
    reasons: string[];
    kpis: Record<string, string | null>;
    off_goal: string[];
    off_goal_earlier: string[][];
  }[];
}

/** One practice's DSO figures for the 30 days ending `to`, from the raw client reports. */
async function rawDsoFigures(sb: RunningSandbox, clientId: string, practiceId: string, from: string, to: string) {
  const R = (name: string, query: Record<string, string>) =>
    rawGet<{ practices: Record<string, unknown>[] }>(sb, `/api/v1/clients/${clientId}/reports/${name}/`, query);
  const range = { start_date: from, end_date: to };
  const row = async (name: string, query: Record<string, string>) =>
    (await R(name, query)).practices.find((p) => p.practice_id === practiceId) as Record<string, string> & {
      providers?: { production: string; hours: string }[];
    };
  const pvc = await row('production-vs-collections', range);
  const pbp = await row('production-by-provider', range);
  const hours = (pbp.providers ?? []).reduce((t, p) => t.plus(p.hours), new Big(0));
  const production = (pbp.providers ?? []).reduce((t, p) => t.plus(p.production), new Big(0));
  const aging = await row('ar-aging', { as_of: to });
  return {
    production: pvc.production,
    net_production: pvc.net_production,
    collections: pvc.collections,
    // Ours, collections ÷ net production, as kpi_scorecard: Escape's collection_pct has no stated denominator (L7990).
    collection_rate: pct(new Big(pvc.collections as string), new Big(pvc.net_production as string)),
    production_per_hour: hours.gt(0) ? production.div(hours).toFixed(2) : null,
    no_show_rate: (await row('overview', { as_of: to })).no_show_rate_pct,
    case_acceptance: (await row('case-acceptance', range)).acceptance_rate_pct,
    hygiene_recare_compliance: (await row('hygiene-recare', { as_of: to })).compliance_rate_pct,
    ar_over_90_share: pct(new Big(aging.over_90 as string), new Big(aging.total_ar as string)),
  };
}

describe('dso_overview', () => {
  it('answers a cursor past the last practice with none and how many the client has now', async () => {
    const { practices } = sandbox.fixtures;
    const clientId = (await rawGet<{ client: string }>(sandbox, `/api/v1/practice/${practices.la.id}/`)).client;
    const to = DateTime.now().setZone(practices.la.timezone).toISODate() as string;
    const total = (
      await rawGet<{ practices: unknown[] }>(
        sandbox,
        `/api/v1/clients/${clientId}/reports/production-vs-collections/`,
        {
          start_date: addDays(to, -29),
          end_date: to,
        },
      )
    ).practices.length;
    expect(total).toBeGreaterThan(0);
    for (const offset of [total, total + 2]) {
      await expectPastEndAnswer(
        server.client,
        'dso_overview',
        { practice: practices.la.name, cursor: String(offset) },
        'practices',
        offset,
        total,
      );
    }
    expect(await callError(server.client, 'dso_overview', { practice: practices.la.name, cursor: '-1' })).toMatch(
      /cursor "-1" is not one this tool gave/,
    );
  });

  it('rolls up every practice of the client from the raw client reports, exceptions first, by the rule', async () => {
    const { practices, kpi } = sandbox.fixtures;
    if (!kpi) throw new Error('the KPI scenario is seeded at the default scale');
    const { structured, text } = await callOk<DsoOutput>(server.client, 'dso_overview', {
      practice: practices.la.name,
    });
    const clientId = (await rawGet<{ client: string }>(sandbox, `/api/v1/practice/${practices.la.id}/`)).client;
    expect(structured.client_id).toBe(clientId);
    expect(structured.practice_count).toBe(2);
    for (const p of [practices.la, practices.ny]) {
      const row = structured.practices.find((r) => r.practice_id === p.id);
      const today = DateTime.now().setZone(p.timezone).toISODate() as string;
      const periods = [0, 1, 2].map((k) => ({ from: addDays(today, -29 - 30 * k), to: addDays(today, -30 * k) }));
      expect(row?.period).toEqual(periods[0]);
      const goal = (await rawGet<{ production_goal_monthly: string }>(sandbox, `/api/v1/practice/${p.id}/`))
        .production_goal_monthly;
      const off = [];
      for (const [k, period] of periods.entries()) {
        const figures = await rawDsoFigures(sandbox, clientId, p.id, period.from, period.to);
        if (k === 0) expect(row?.kpis).toEqual(figures);
        off.push(
          [
            new Big(figures.production as string).lt(goal) && 'production',
            new Big(figures.no_show_rate as string).gt(15) && 'no_show_rate',
            new Big(figures.case_acceptance as string).lt(40) && 'case_acceptance',
          ].filter(Boolean),
        );
      }
      expect([row?.off_goal, ...(row?.off_goal_earlier ?? [])].map((o) => [...(o ?? [])].sort())).toEqual(
        off.map((o) => [...o].sort()),
      );
    }
    const la = structured.practices.find((r) => r.practice_id === practices.la.id);
    const ny = structured.practices.find((r) => r.practice_id === practices.ny.id);
    expect(la?.flagged).toBe(true);
    expect([...(la?.off_goal ?? [])].sort()).toEqual(['case_acceptance', 'no_show_rate']);
    expect(ny?.flagged).toBe(true);
    expect(ny?.reasons).toEqual(['production off goal 3 periods running']);
    expect(structured.flagged).toBe(2);
    expect(text).toMatch(/FLAGGED/);
    expect(text.length + JSON.stringify(structured).length).toBeLessThan(14_000);
  });
});

describe('collection rate across dso_overview and kpi_scorecard', () => {
  it('is one figure, collections ÷ net production, for the same practice and period, and says so', async () => {
    const la = sandbox.fixtures.practices.la;
    const dso = await callOk<DsoOutput & { notes: string[]; kpi_sources: Record<string, string> }>(
      server.client,
      'dso_overview',
      { practice: la.name },
    );
    const row = dso.structured.practices.find((r) => r.practice_id === la.id);
    if (!row) throw new Error('dso_overview has no row for the LA practice');
    const { from, to } = row.period;
    const card = await callOk<Scorecard>(server.client, 'kpi_scorecard', {
      practice: la.name,
      start_date: from,
      end_date: to,
    });
    const clientId = dso.structured.client_id;
    const pvc = (
      await rawGet<{ practices: Record<string, string>[] }>(
        sandbox,
        `/api/v1/clients/${clientId}/reports/production-vs-collections/`,
        { start_date: from, end_date: to },
      )
    ).practices.find((p) => p.practice_id === la.id) as Record<string, string>;
    const own = await rawGet<{ summary: { total_collections: string; net_production: string } }>(
      sandbox,
      `/api/v1/practice/${la.id}/billing/reports/production/`,
      { date_from: from, date_to: to },
    );
    const expected = pct(new Big(own.summary.total_collections), new Big(own.summary.net_production));
    expect(pct(new Big(pvc.collections as string), new Big(pvc.net_production as string))).toBe(expected);
    // The seeded write-offs make Escape's own percentage differ, so this test tells the two apart.
    expect(pvc.collection_pct).not.toBe(expected);
    expect(row.kpis.collection_rate).toBe(expected);
    expect(card.structured.kpis.find((k) => k.key === 'collection_rate')?.value).toBe(expected);
    expect(dso.structured.kpi_sources.collection_rate).toMatch(/collections ÷ net production/);
    expect(dso.text).toMatch(/collection rate [\d.]+ % \(collections ÷ net production\)/);
    expect(card.text).toMatch(/Collection rate: [\d.]+ % .*collections ÷ net production/);
    // Escape's own percentage is not hidden: it is named as Escape's, with the reading we use instead.
    expect(dso.structured.notes.join('\n')).toContain(`Escape's own collection_pct is ${pvc.collection_pct} %`);

    // The other reading of collection_pct (ASSUMPTIONS §18): the same rate, and nothing to explain.
    setLedgerFlags(sandbox.store, { collectionPctOf: 'net_production' });
    try {
      const other = await callOk<DsoOutput & { notes: string[] }>(server.client, 'dso_overview', { practice: la.name });
      const otherPct = (
        await rawGet<{ practices: Record<string, string>[] }>(
          sandbox,
          `/api/v1/clients/${clientId}/reports/production-vs-collections/`,
          { start_date: from, end_date: to },
        )
      ).practices.find((p) => p.practice_id === la.id)?.collection_pct;
      expect(otherPct).toBe(expected);
      const otherRow = other.structured.practices.find((r) => r.practice_id === la.id);
      expect(otherRow?.period).toEqual(row.period);
      expect(otherRow?.kpis.collection_rate).toBe(expected);
      expect(other.structured.notes.join('\n')).not.toMatch(/Practice [^:]+: Escape's own collection_pct/);
    } finally {
      setLedgerFlags(sandbox.store, {});
    }
  });
});

describe('reports whose dates Escape ignores', () => {
  it('leave out the figures of a period Escape did not answer for, and say so', async () => {
    const la = sandbox.fixtures.practices.la;
    await sandbox.control.setQuirks({ dateParams: 'ignored' });
    try {
      const { structured, text } = await callOk<Scorecard & { notes: string[] }>(server.client, 'kpi_scorecard', {
        practice: la.name,
        period: 'last_month',
      });
      const production = structured.kpis.find((k) => k.key === 'production');
      expect(production?.value).toBeNull();
      expect(production?.previous).toBeNull();
      expect(structured.notes.join('\n')).toMatch(/Production: Escape Dental answered for .* instead of/);
      expect(text).toMatch(/Production: n\/a/);
      const dso = await callOk<DsoOutput & { notes: string[] }>(server.client, 'dso_overview', { practice: la.name });
      // The current period is what Escape answers by default for range reports only when it is
      // 31 days; ours is 30, so every range report is left out and said, never shown as ours.
      expect(dso.structured.practices.length).toBeGreaterThan(0);
      expect(dso.structured.practices.every((p) => p.kpis.production === null)).toBe(true);
      expect(dso.structured.notes.join('\n')).toMatch(/report answered for .* instead of/);
    } finally {
      await sandbox.control.setQuirks({ dateParams: 'applied' });
    }
  });
});

describe('dso_overview over three practices', () => {
  it('rolls up the client with its third practice active, recomputed from the raw client reports', async () => {
    const three = await startTestSandbox({ activeThirdPractice: true });
    const connection = await connectInProcess({ sandbox: three });
    try {
      const { la, ny, chicago } = three.fixtures.practices;
      const { structured } = await callOk<DsoOutput>(connection.client, 'dso_overview', { practice: ny.name });
      expect(structured.practice_count).toBe(3);
      expect(structured.practices.map((p) => p.practice_id).sort()).toEqual([la.id, ny.id, chicago.id].sort());
      const clientId = structured.client_id;
      for (const p of [la, ny, chicago]) {
        const today = DateTime.now().setZone(p.timezone).toISODate() as string;
        const row = structured.practices.find((r) => r.practice_id === p.id);
        expect(row?.kpis).toEqual(await rawDsoFigures(three, clientId, p.id, addDays(today, -29), today));
      }
      // The third practice has no production goal in Escape: production is not judged there.
      expect(structured.practices.find((r) => r.practice_id === chicago.id)?.off_goal).not.toContain('production');
      // Flagged practices come first.
      const flags = structured.practices.map((p) => p.flagged);
      expect(flags).toEqual([...flags].sort((a, b) => Number(b) - Number(a)));
    } finally {
      await connection.close();
      await three.close();
    }
  }, 120_000);
});
