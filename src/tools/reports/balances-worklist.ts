/**
 * balances_worklist — which patient balances to collect: Escape's patient-balance report (FIFO
 * aged 0–30/31–60/61–90/90+) ranked by dollar-days, each row with the last payment and the
 * patient's next visit (collect at check-in) and one next step. Reads only; no payment writes.
 * Next visits are read only for the rows shown, a few at a time (fan-out.ts).
 */
import type Big from 'big.js';
import { z } from 'zod';
import { BALANCE_BUCKETS, type BalanceBucket, type BalanceRow } from '../../api/resources/office-reports.js';
import { addDays, instantToLocalDate, parseInstantMs, todayIn } from '../../domain/dates.js';
import { shownName, shownPlace } from '../../domain/free-text.js';
import { formatMoney, parseMoney, sumMoneyString } from '../../domain/money.js';
import { closingLines, pageArguments, pageFrom, readCursor, worklistHeaderFields } from '../framework/cursor.js';
import { mapBounded } from '../framework/fan-out.js';
import type { ToolDefinition } from '../framework/types.js';

/** Days each bucket's dollars count for in the ranking: about the middle of the bucket. */
const BUCKET_WEIGHT_DAYS: Record<BalanceBucket, number> = { '0_30': 15, '31_60': 45, '61_90': 75, over_90: 120 };
const BALANCE_LIMIT = 5000;
/** How far ahead a next visit is looked for. */
const VISIT_HORIZON_DAYS = 365;

const ACTIONS = ['collect_at_check_in', 'call', 'send_statement'] as const;

const inputSchema = z.object({
  min_balance: z
    .string()
    .regex(/^\d{1,8}(\.\d{1,2})?$/, { error: 'min_balance is dollars, e.g. "50" or "50.00"' })
    .default('0.01')
    .describe('Only balances of at least this many dollars (default 0.01: every debit balance).'),
  bucket: z
    .enum(BALANCE_BUCKETS)
    .optional()
    .describe('Only patients with money in this age bucket: 0_30, 31_60, 61_90 or over_90 (days).'),
  ...pageArguments,
});

const rowSchema = z.object({
  rank: z.number(),
  patient_id: z.string(),
  patient: z.string().optional(),
  balance: z.string(),
  buckets: z.object({ '0_30': z.string(), '31_60': z.string(), '61_90': z.string(), over_90: z.string() }),
  oldest_bucket: z.enum(BALANCE_BUCKETS),
  last_payment: z.object({ date: z.string(), amount: z.string().optional() }).optional(),
  upcoming_visit: z.object({ date: z.string(), appointment_id: z.string() }).optional(),
  next_action: z.enum(ACTIONS),
  next_step: z.string(),
});

const outputSchema = z.object({
  ...worklistHeaderFields,
  matched_balance: z.string(),
  rows: z.array(rowSchema),
  next_cursor: z.string().optional(),
  notes: z.array(z.string()),
});

type Output = z.infer<typeof outputSchema>;

export const balancesWorklist: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'balances_worklist',
  toolset: 'reports',
  title: 'Balances to collect',
  description:
    'Patient balances to collect, aged 0-30/31-60/61-90/90+ days, ranked by dollar-days, with the last payment and the next visit (collect at check-in). Filters: minimum balance, bucket. Reads only; records no payment.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['reports:read'],
  writes: false,
  operations: ['billing.patientBalance', 'scheduling.appointmentList'],
  example: {
    question: 'Which patient balances should we collect?',
    answer:
      'Balances to collect at Sunset Smiles Dental as of 2026-12-06: 502 patients owing $157111.23, ranked by dollar-days.\n1. Miller, Emily · $3323.00 (90+ $673.00) · last paid 2026-12-03 $672.00 · next visit none · Next: Call about $3323.00.\n2. Taylor, Wei · $1689.28 (90+ $1689.28) · next visit 2026-12-15 · Next: Collect $1689.28 at check-in on 2026-12-15. …',
  },
  async handler(context, args) {
    const offset = readCursor(args.cursor);
    const zone = context.practice.timezone;
    const now = context.now();
    const today = todayIn(zone, now);
    const notes: string[] = [];
    const { rows, truncated } = await context.api.officeReports.patientBalances(
      context.practice.id,
      { minBalance: args.min_balance, bucket: args.bucket, limit: BALANCE_LIMIT },
      { signal: context.signal },
    );
    if (truncated) notes.push(`More than ${BALANCE_LIMIT} balances matched; the first ${BALANCE_LIMIT} are ranked.`);
    const ranked = rows
      .map((row) => ({ row, score: dollarDays(row) }))
      .sort(
        (a, b) =>
          b.score.cmp(a.score) ||
          parseMoney(b.row.balance).cmp(parseMoney(a.row.balance)) ||
          a.row.patientId.localeCompare(b.row.patientId),
      );
    const { page, nextCursor, pastEnd } = pageFrom(ranked, offset, args.limit);
    if (pastEnd) notes.push(pastEnd);
    const visits = await mapBounded(
      context,
      page,
      async ({ row }) => {
        const list = await context.api.scheduling.listAppointments(
          context.practice.id,
          { range: { from: today, to: addDays(today, VISIT_HORIZON_DAYS) }, patientId: row.patientId, limit: 200 },
          { signal: context.signal },
        );
        notes.push(...list.warnings);
        return list.appointments
          .filter((a) => a.patient === row.patientId && a.status === 'scheduled')
          .map((a) => ({ id: a.id, at: a.date_time ? parseInstantMs(a.date_time, zone) : Number.NaN }))
          .filter((a) => a.at > now.getTime())
          .sort((a, b) => a.at - b.at)[0];
      },
      { label: 'next visits' },
    );

    const structured: Output = {
      practice: context.practice.name,
      as_of: today,
      filters: [
        args.min_balance !== '0.01' && `balance at least $${formatMoney(parseMoney(args.min_balance))}`,
        args.bucket && `money in bucket ${args.bucket}`,
      ]
        .filter(Boolean)
        .join(', '),
      ranking: `dollar-days: each bucket's dollars × ${BALANCE_BUCKETS.map((b) => `${BUCKET_WEIGHT_DAYS[b]} (${b})`).join(', ')} days, highest first`,
      matched: ranked.length,
      matched_balance: sumMoneyString(ranked.map((r) => r.row.balance)),
      rows: page.map(({ row }, i) => {
        context.notePatient(row.patientId);
        const visit = visits[i];
        const visitDate = visit ? instantToLocalDate(visit.at, zone) : undefined;
        const oldest = oldestBucket(row);
        const action = visit
          ? 'collect_at_check_in'
          : oldest === '61_90' || oldest === 'over_90'
            ? 'call'
            : 'send_statement';
        return {
          rank: offset + i + 1,
          patient_id: row.patientId,
          ...(row.patientName ? { patient: row.patientName } : {}),
          balance: row.balance,
          buckets: row.buckets,
          oldest_bucket: oldest,
          ...(row.lastPaymentDate
            ? {
                last_payment: {
                  date: row.lastPaymentDate,
                  ...(row.lastPaymentAmount ? { amount: row.lastPaymentAmount } : {}),
                },
              }
            : {}),
          ...(visit && visitDate ? { upcoming_visit: { date: visitDate, appointment_id: visit.id } } : {}),
          next_action: action,
          next_step:
            action === 'collect_at_check_in'
              ? `Collect $${row.balance} at check-in on ${visitDate}.`
              : action === 'call'
                ? `Call about $${row.balance}; money is ${oldest === 'over_90' ? 'over 90' : '61-90'} days old${row.lastPaymentDate ? `, last paid ${row.lastPaymentDate}` : ', never paid'}.`
                : `Send a statement for $${row.balance}.`,
        };
      }),
      ...(nextCursor ? { next_cursor: nextCursor } : {}),
      notes: [...new Set(notes)],
    };
    return { structured, summary: summarize(structured) };
  },
};

function dollarDays(row: BalanceRow): Big {
  return BALANCE_BUCKETS.reduce(
    (t, b) => t.plus(parseMoney(row.buckets[b]).times(BUCKET_WEIGHT_DAYS[b])),
    parseMoney(0),
  );
}

function oldestBucket(row: BalanceRow): BalanceBucket {
  return [...BALANCE_BUCKETS].reverse().find((b) => parseMoney(row.buckets[b]).gt(0)) ?? '0_30';
}

function summarize(output: Output): string {
  const lines = [
    `Balances to collect at ${shownPlace(output.practice)} as of ${output.as_of}${output.filters ? ` (${output.filters})` : ''}: ${output.matched} patients owing $${output.matched_balance}, ranked by ${output.ranking}.`,
  ];
  for (const r of output.rows) {
    const b = r.buckets;
    lines.push(
      `${r.rank}. ${shownName(r.patient) ?? `patient ${r.patient_id}`} · $${r.balance} (0-30 $${b['0_30']}, 31-60 $${b['31_60']}, 61-90 $${b['61_90']}, 90+ $${b.over_90}) · last paid ${r.last_payment ? `${r.last_payment.date}${r.last_payment.amount ? ` $${r.last_payment.amount}` : ''}` : 'never'} · next visit ${r.upcoming_visit?.date ?? 'none'} · Next: ${r.next_step} (patient ${r.patient_id})`,
    );
  }
  if (output.matched === 0) lines.push('No balances match.');
  lines.push(...closingLines(output.next_cursor, output.notes));
  return lines.join('\n');
}
