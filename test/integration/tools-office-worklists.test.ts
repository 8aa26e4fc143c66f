/**
 * claims_worklist and balances_worklist through a real MCP client and server against the sandbox
 * over HTTP. Every expected row is recomputed here from raw sandbox reads (claim lists, carriers,
 * enrollments, claim logs, the patient-balance report, appointments), never from the tools' code.
 */
import Big from 'big.js';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { expectPastEndAnswer } from '../helpers/cursor-end.js';
import {
  callError,
  callOk,
  connectInProcess,
  type InProcessConnection,
  rawList,
  startTestSandbox,
} from '../helpers/harness.js';

interface RawClaim {
  id: string;
  status: string;
  patient: string;
  patient_insurance: string | null;
  date_sent: string | null;
  claim_fee: string;
  ins_pay_amt: string;
  write_off: string;
}
interface WorklistRow {
  rank: number;
  claim_id: string;
  carrier?: string;
  carrier_phone?: string;
  status: string;
  owed: string;
  days_since_sent?: number;
  last_entry?: { status: string; date: string };
  days_since_last_action: number;
  next_action: string;
}
interface ClaimsOutput {
  matched: number;
  matched_owed: string;
  rows: WorklistRow[];
  next_cursor?: string;
}

const STATUSES = ['submitted', 'accepted', 'resubmitted', 'appealed', 'partial', 'rejected', 'denied'];

let sandbox: RunningSandbox;
let server: InProcessConnection;
let la: RunningSandbox['fixtures']['practices']['la'];
const path = (rest: string) => `/api/v1/practice/${la.id}/${rest}`;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  la = sandbox.fixtures.practices.la;
  server = await connectInProcess({ sandbox });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

const today = () => DateTime.now().setZone(la.timezone).toISODate() as string;
const days = (from: string, to: string) => Math.round(DateTime.fromISO(to).diff(DateTime.fromISO(from), 'days').days);

/** The documented rule, written out again here. */
function expectedAction(status: string, sinceSent: number | null, idle: number): string {
  if (sinceSent !== null && sinceSent >= 180 && idle >= 30) return 'write_off_review';
  if (status === 'rejected') return 'resubmit';
  if (status === 'denied') return 'appeal';
  if (idle >= 30) return 'call_carrier';
  return 'wait';
}

async function rawWorklist() {
  const claims = (await rawList<RawClaim>(sandbox, path('insurance/claim/'))).filter((c) =>
    STATUSES.includes(c.status),
  );
  const carriers = await rawList<{ id: string; name: string; phone: string }>(sandbox, path('insurance/carrier/'));
  const enrollments = await rawList<{ id: string; carrier: string }>(sandbox, path('insurance/patient-insurance/'));
  const carrierOfEnrollment = new Map(enrollments.map((e) => [e.id, carriers.find((c) => c.id === e.carrier)]));
  const t = today();
  return claims
    .map((c) => {
      const owed = new Big(c.claim_fee).minus(c.ins_pay_amt).minus(c.write_off);
      const sinceSent = c.date_sent ? Math.max(0, days(c.date_sent.slice(0, 10), t)) : null;
      return { c, owed, sinceSent, score: owed.times(sinceSent ?? 0) };
    })
    .sort((a, b) => b.score.cmp(a.score) || b.owed.cmp(a.owed) || a.c.id.localeCompare(b.c.id))
    .map((r) => ({
      ...r,
      carrier: r.c.patient_insurance ? carrierOfEnrollment.get(r.c.patient_insurance) : undefined,
    }));
}

async function expectedRow(r: Awaited<ReturnType<typeof rawWorklist>>[number], rank: number) {
  const log = await rawList<{ to_status: string; changed_at: string }>(
    sandbox,
    path(`patient/${r.c.patient}/insurance/claim/${r.c.id}/log/`),
  );
  const last = [...log].sort((a, b) => a.changed_at.localeCompare(b.changed_at)).at(-1);
  const lastDate = last ? (DateTime.fromISO(last.changed_at).setZone(la.timezone).toISODate() as string) : undefined;
  const actionDate = lastDate ?? r.c.date_sent?.slice(0, 10);
  const idle = actionDate ? Math.max(0, days(actionDate, today())) : (r.sinceSent ?? 0);
  return {
    rank,
    claim_id: r.c.id,
    status: r.c.status,
    owed: r.owed.toFixed(2),
    carrier: r.carrier?.name,
    carrier_phone: r.carrier?.phone || undefined,
    days_since_sent: r.sinceSent ?? undefined,
    last_entry: last && lastDate ? { status: last.to_status, date: lastDate } : undefined,
    days_since_last_action: idle,
    next_action: expectedAction(r.c.status, r.sinceSent, idle),
  };
}

const comparable = (row: WorklistRow) => ({
  rank: row.rank,
  claim_id: row.claim_id,
  status: row.status,
  owed: row.owed,
  carrier: row.carrier,
  carrier_phone: row.carrier_phone,
  days_since_sent: row.days_since_sent,
  last_entry: row.last_entry ? { status: row.last_entry.status, date: row.last_entry.date } : undefined,
  days_since_last_action: row.days_since_last_action,
  next_action: row.next_action,
});

describe('claims_worklist', () => {
  it('ranks outstanding, rejected and denied claims by days since sent × owed, pages with a cursor', async () => {
    const expected = await rawWorklist();
    const first = await callOk<ClaimsOutput>(server.client, 'claims_worklist', { practice: la.name, limit: 5 });
    expect(first.structured.matched).toBe(expected.length);
    expect(first.structured.matched_owed).toBe(expected.reduce((t, r) => t.plus(r.owed), new Big(0)).toFixed(2));
    expect(first.structured.rows.map(comparable)).toEqual(
      await Promise.all(expected.slice(0, 5).map((r, i) => expectedRow(r, i + 1))),
    );
    expect(first.structured.next_cursor).toBe('5');
    const second = await callOk<ClaimsOutput>(server.client, 'claims_worklist', {
      practice: la.name,
      limit: 5,
      cursor: first.structured.next_cursor,
    });
    expect(second.structured.rows.map(comparable)).toEqual(
      await Promise.all(expected.slice(5, 10).map((r, i) => expectedRow(r, i + 6))),
    );
    // Each row ends in one next step; the default answer stays short.
    expect(first.text.split('\n').filter((l) => /^\d+\. /.test(l))).toHaveLength(5);
    // The default answer (10 rows), text and structured content together, stays under ~4,000 tokens.
    const byDefault = await callOk<ClaimsOutput>(server.client, 'claims_worklist', { practice: la.name });
    expect(byDefault.structured.rows).toHaveLength(Math.min(10, expected.length));
    expect(byDefault.text.length + JSON.stringify(byDefault.structured).length).toBeLessThan(14_000);
  });

  it('suggests the documented next action for the seeded claims', async () => {
    const w = la.worklists;
    if (!w) throw new Error('the worklist scenarios are seeded at the default scale');
    const { structured } = await callOk<ClaimsOutput>(server.client, 'claims_worklist', {
      practice: la.name,
      limit: 25,
      statuses: ['submitted', 'accepted', 'rejected', 'denied'],
      min_amount: '0',
    });
    const all: WorklistRow[] = [...structured.rows];
    let cursor = structured.next_cursor;
    while (cursor) {
      const more = await callOk<ClaimsOutput>(server.client, 'claims_worklist', {
        practice: la.name,
        limit: 25,
        statuses: ['submitted', 'accepted', 'rejected', 'denied'],
        cursor,
      });
      all.push(...more.structured.rows);
      cursor = more.structured.next_cursor;
    }
    const action = (id: string) => all.find((r) => r.claim_id === id)?.next_action;
    expect(action(w.claims.rejected.claimId)).toBe('resubmit');
    expect(action(w.claims.denied.claimId)).toBe('appeal');
    expect(action(w.claims.stale.claimId)).toBe('call_carrier');
    expect(action(w.claims.outstandingRecent.claimId)).toBe('wait');
    expect(action(w.claims.recentlyActive.claimId)).toBe('wait');
    expect(action(w.claims.paid.claimId)).toBeUndefined();
    expect(action(w.claims.draft.claimId)).toBeUndefined();
  });

  it('filters by status and minimum amount, and refuses a cursor it did not give', async () => {
    const expected = (await rawWorklist()).filter((r) => r.c.status === 'rejected' && r.owed.gte(100));
    expect(expected.length).toBeGreaterThan(0);
    const { structured } = await callOk<ClaimsOutput>(server.client, 'claims_worklist', {
      practice: la.name,
      statuses: ['rejected'],
      min_amount: '100',
      limit: 25,
    });
    expect(structured.rows.map((r) => r.claim_id)).toEqual(expected.slice(0, 25).map((r) => r.c.id));
    expect(structured.rows.every((r) => r.next_action === 'resubmit' || r.next_action === 'write_off_review')).toBe(
      true,
    );
    expect(await callError(server.client, 'claims_worklist', { practice: la.name, cursor: 'abc' })).toMatch(
      /cursor "abc" is not one this tool gave/,
    );
  });

  it('answers a cursor past the end of the list (it shrank) with no rows and the size of the list now', async () => {
    const all = await rawWorklist();
    const rejected = all.filter((r) => r.c.status === 'rejected' && r.owed.gte(100));
    expect(rejected.length).toBeGreaterThan(0);
    for (const [args, total] of [
      [{}, all.length],
      [{ statuses: ['rejected'], min_amount: '100' }, rejected.length],
    ] as const) {
      const text = await expectPastEndAnswer(
        server.client,
        'claims_worklist',
        { practice: la.name, ...args, cursor: String(total + 7) },
        'rows',
        total + 7,
        total,
      );
      expect(text).toContain(`: ${total} claims owing`);
      expect(text).not.toContain('Nothing to chase');
    }
    // A cursor exactly at the end (the last rows were worked off) is past the end too.
    await expectPastEndAnswer(
      server.client,
      'claims_worklist',
      { practice: la.name, statuses: ['rejected'], min_amount: '100', cursor: String(rejected.length) },
      'rows',
      rejected.length,
      rejected.length,
    );
  });
});

interface RawBalance {
  patient_id: string;
  balance_total: string;
  bal_0_30: string;
  bal_31_60: string;
  bal_61_90: string;
  bal_over_90: string;
  last_payment_date: string | null;
}
interface BalanceRowOut {
  rank: number;
  patient_id: string;
  balance: string;
  buckets: Record<string, string>;
  last_payment?: { date: string };
  upcoming_visit?: { date: string; appointment_id: string };
  next_action: string;
}
interface BalancesOutput {
  matched: number;
  matched_balance: string;
  rows: BalanceRowOut[];
  next_cursor?: string;
}

async function rawBalances(query: Record<string, string>) {
  const rows = await rawList<RawBalance>(sandbox, path('billing/reports/patient-balance/'), query);
  const score = (r: RawBalance) =>
    new Big(r.bal_0_30)
      .times(15)
      .plus(new Big(r.bal_31_60).times(45))
      .plus(new Big(r.bal_61_90).times(75))
      .plus(new Big(r.bal_over_90).times(120));
  return rows.sort(
    (a, b) =>
      score(b).cmp(score(a)) ||
      new Big(b.balance_total).cmp(new Big(a.balance_total)) ||
      a.patient_id.localeCompare(b.patient_id),
  );
}

async function nextVisit(patientId: string) {
  const t = today();
  const to = DateTime.fromISO(t).plus({ days: 365 }).toISODate() as string;
  const rows = await rawList<{ id: string; patient: string; status: string; date_time: string }>(
    sandbox,
    path('scheduling/appointment/'),
    { patient: patientId, from: t, to },
  );
  return rows
    .filter((a) => a.patient === patientId && a.status === 'scheduled' && Date.parse(a.date_time) > Date.now())
    .sort((a, b) => Date.parse(a.date_time) - Date.parse(b.date_time))[0];
}

describe('balances_worklist', () => {
  it('answers a cursor past the end of the list with no rows and the size of the list now', async () => {
    const total = (await rawBalances({ min_balance: '0.01' })).length;
    const text = await expectPastEndAnswer(
      server.client,
      'balances_worklist',
      { practice: la.name, cursor: String(total + 3) },
      'rows',
      total + 3,
      total,
    );
    expect(text).not.toContain('No balances match');
    expect(await callError(server.client, 'balances_worklist', { practice: la.name, cursor: '1.5' })).toMatch(
      /cursor "1.5" is not one this tool gave/,
    );
  });

  it('ranks the patient-balance report by dollar-days, with last payment and next visit, recomputed raw', async () => {
    const expected = await rawBalances({ min_balance: '0.01' });
    const { structured } = await callOk<BalancesOutput>(server.client, 'balances_worklist', {
      practice: la.name,
      limit: 6,
    });
    expect(structured.matched).toBe(expected.length);
    expect(structured.matched_balance).toBe(expected.reduce((t, r) => t.plus(r.balance_total), new Big(0)).toFixed(2));
    const want = await Promise.all(
      expected.slice(0, 6).map(async (r, i) => {
        const visit = await nextVisit(r.patient_id);
        const oldest = ['over_90', '61_90', '31_60', '0_30'].find((b) =>
          new Big(r[`bal_${b}` as keyof RawBalance] as string).gt(0),
        );
        return {
          rank: i + 1,
          patient_id: r.patient_id,
          balance: r.balance_total,
          upcoming_visit: visit
            ? {
                date: DateTime.fromISO(visit.date_time).setZone(la.timezone).toISODate(),
                appointment_id: visit.id,
              }
            : undefined,
          last_payment: r.last_payment_date ?? undefined,
          next_action: visit
            ? 'collect_at_check_in'
            : oldest === 'over_90' || oldest === '61_90'
              ? 'call'
              : 'send_statement',
        };
      }),
    );
    expect(
      structured.rows.map((r) => ({
        rank: r.rank,
        patient_id: r.patient_id,
        balance: r.balance,
        upcoming_visit: r.upcoming_visit,
        last_payment: r.last_payment?.date,
        next_action: r.next_action,
      })),
    ).toEqual(want);
    expect(structured.next_cursor).toBe(expected.length > 6 ? '6' : undefined);
    const byDefault = await callOk<BalancesOutput>(server.client, 'balances_worklist', { practice: la.name });
    expect(byDefault.structured.rows).toHaveLength(Math.min(10, expected.length));
    expect(byDefault.text.length + JSON.stringify(byDefault.structured).length).toBeLessThan(14_000);
  });

  it('filters by minimum balance and bucket, and gives the seeded balances their next step', async () => {
    const w = la.worklists;
    if (!w) throw new Error('the worklist scenarios are seeded at the default scale');
    const collect = async (args: Record<string, unknown>) => {
      const rows: BalanceRowOut[] = [];
      let cursor: string | undefined;
      do {
        const { structured } = await callOk<BalancesOutput>(server.client, 'balances_worklist', {
          practice: la.name,
          limit: 25,
          ...args,
          ...(cursor ? { cursor } : {}),
        });
        rows.push(...structured.rows);
        cursor = structured.next_cursor;
      } while (cursor);
      return rows;
    };
    const over90 = await collect({ bucket: 'over_90', min_balance: '10' });
    const raw = await rawBalances({ bucket: 'over_90', min_balance: '10' });
    expect(over90.map((r) => r.patient_id)).toEqual(raw.map((r) => r.patient_id));
    expect(over90.every((r) => new Big(r.buckets.over_90 ?? '0').gt(0) && new Big(r.balance).gte(10))).toBe(true);
    const find = (id: string) => over90.find((r) => r.patient_id === id);
    expect(find(w.balances.over90WithVisit.patientId)).toMatchObject({
      next_action: 'collect_at_check_in',
      upcoming_visit: { appointment_id: w.balances.over90WithVisit.upcomingAppointmentId },
    });
    expect(find(w.balances.over90NoPayment.patientId)).toMatchObject({ next_action: 'call' });
    expect(find(w.balances.over90NoPayment.patientId)?.last_payment).toBeUndefined();
    expect(find(w.balances.small.patientId)).toBeUndefined();
    expect(find(w.balances.credit.patientId)).toBeUndefined();
    const mid = await collect({ bucket: '31_60' });
    expect(mid.find((r) => r.patient_id === w.balances.days31to60NoVisit.patientId)).toMatchObject({
      next_action: 'send_statement',
    });
  });
});
