/**
 * claims_summary — where insurance money stands: per-status counts, billed and paid, what is
 * still outstanding, how long it has been outstanding (by date sent), by carrier, and the
 * oldest claims to chase. The summary endpoint answers the unfiltered totals; filters (and the
 * outstanding detail) need the claim list, since the summary endpoint takes no filters (C-T31).
 */
import type Big from 'big.js';
import { z } from 'zod';
import { type Divergence, recordDivergences, replayDivergences } from '../../api/divergence.js';
import type { UnusableUpstreamValue } from '../../api/errors.js';
import type { CarrierRef, Claim, ClaimsSummary } from '../../api/port.js';
import { CLAIM_STATUSES, OUTSTANDING_STATUSES, skippedClaimsNote } from '../../api/resources/insurance.js';
import { diffDays, todayIn } from '../../domain/dates.js';
import { shownCode, shownName, shownPlace } from '../../domain/free-text.js';
import { formatMoney, parseMoney } from '../../domain/money.js';
import { ToolInputError } from '../framework/errors.js';
import { checkedDate, localDateArgument, providerName, resolveCarrier, resolveProviders } from '../framework/shared.js';
import type { ToolContext, ToolDefinition } from '../framework/types.js';

const inputSchema = z.object({
  statuses: z.array(z.enum(CLAIM_STATUSES)).min(1).optional().describe('Only claims in these statuses. Default: all.'),
  date_from: localDateArgument('Only claims with a date of service on or after this date, YYYY-MM-DD.').optional(),
  date_to: localDateArgument('Only claims with a date of service on or before this date, YYYY-MM-DD.').optional(),
  provider: z.string().max(120).optional().describe('Rendering provider by name or id.'),
  carrier: z.string().max(120).optional().describe('Carrier by name (or part of it) or id.'),
  oldest: z.number().int().min(0).max(25).default(5).describe('Oldest outstanding claims to list.'),
});

const moneyRow = z.object({ count: z.number(), amount: z.string() });
const outputSchema = z.object({
  practice: z.string(),
  as_of: z.string(),
  filters: z.string(),
  by_status: z.array(z.object({ status: z.string(), count: z.number(), billed: z.string(), paid: z.string() })),
  totals: z.object({ count: z.number(), billed: z.string(), paid: z.string(), outstanding: z.string() }),
  outstanding_by_age: z.array(moneyRow.extend({ days: z.string() })),
  outstanding_by_carrier: z.array(moneyRow.extend({ carrier: z.string() })),
  oldest_outstanding: z.array(
    z.object({
      claim_id: z.string(),
      patient_id: z.string().optional(),
      patient: z.string().optional(),
      carrier: z.string().optional(),
      status: z.string(),
      date_sent: z.string().optional(),
      days_outstanding: z.number().optional(),
      outstanding: z.string(),
    }),
  ),
  /** Claims left out of the figures because Escape Dental sent an unusable value for them. */
  unreadable_claims: z.number().optional(),
  sources: z.array(z.string()),
  notes: z.array(z.string()),
});

type Input = z.infer<typeof inputSchema>;
type Output = z.infer<typeof outputSchema>;

const AGE_BUCKETS = [
  { days: '0-30', max: 30 },
  { days: '31-60', max: 60 },
  { days: '61-90', max: 90 },
  { days: '90+', max: Number.POSITIVE_INFINITY },
] as const;
const NOT_SENT = 'not sent';
const NO_CARRIER = 'No carrier on file';
const CARRIER_NOT_KNOWN = 'carrier not known';
const CLAIM_LIST_LIMIT = 5000;

export const claimsSummary: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'claims_summary',
  toolset: 'insurance',
  title: 'Insurance claims summary',
  description:
    'Where insurance money stands: claims per status (count, billed, paid), outstanding aged by date sent (0-30/31-60/61-90/90+) and by carrier, and the oldest outstanding claims to chase.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['insurance:read'],
  writes: false,
  operations: [
    'providers.list',
    'insurance.claimsSummary',
    'insurance.claimList',
    'insurance.patientInsurance',
    'insurance.carriers',
  ],
  example: {
    question: 'How much insurance money is still outstanding, and what should we chase first?',
    answer:
      'Claims at Sunset Smiles Dental (all claims), as of 2026-12-06: 2311 claims, billed $789345.00, paid $520903.00, outstanding $92451.00.\nOutstanding by days since sent: 0-30: 110 ($32304.00); 31-60: 47 ($12879.00); 61-90: 23 ($7061.00); 90+: 163 ($40207.00).\nOutstanding by carrier: Delta Dental 103 ($27059.00); MetLife Dental 72 ($16727.00); …\nOldest outstanding:\n- Miller, Lily · MetLife Dental · partial · sent 2025-12-08 (363 days) · $130.00 · claim 2f83fea8-…',
  },
  async handler(context, args) {
    const from = checkedDate(args.date_from, 'date_from');
    const to = checkedDate(args.date_to, 'date_to');
    if (from && to && to < from) throw new ToolInputError(`date_to ${to} is before date_from ${from}. Swap them.`);
    const today = todayIn(context.practice.timezone, context.now());

    const filtered = Boolean(args.statuses || from || to || args.provider || args.carrier);
    const sources: string[] = [];
    const notes: string[] = [];
    /** Claims that could not be read, by id: a claim that several status reads sent counts once. */
    const unreadable = new Map<string, UnusableUpstreamValue>();

    const started: Promise<unknown>[] = [];
    const reads = (async () => {
      // Every read starts before any answer is awaited; the answers are taken in the order the reads
      // once ran one after another, so the failure reported and the order of the notes stay the same.
      const takeCarrier = startRead(started, async () =>
        args.carrier ? resolveCarrier(context, args.carrier) : undefined,
      );
      const takeCarrierOf = startRead(started, () =>
        context.api.reference.patientInsuranceCarriers(context.practice.id, { signal: context.signal }),
      );
      // The claim list filters by provider id (L3087): a provider named must be resolved first.
      const [provider] = await resolveProviders(context, args.provider ? [args.provider] : undefined);
      const takeClaims = startRead(started, async (): Promise<{ summary?: ClaimsSummary; claims: Claim[] }> => {
        if (filtered) {
          const statuses = args.statuses ?? CLAIM_STATUSES;
          return {
            claims: await listClaims(context, statuses, { from, to, providerId: provider?.id }, notes, unreadable),
          };
        }
        const [summary, outstanding] = await Promise.all([
          context.api.insurance.claimsSummary(context.practice.id, { signal: context.signal }),
          listClaims(context, OUTSTANDING_STATUSES, {}, notes, unreadable),
        ]);
        return { summary, claims: outstanding };
      });
      const carrier = await takeCarrier();
      const carrierOf = await takeCarrierOf();
      const { summary, claims } = await takeClaims();
      return { provider, carrier, carrierOf, summary, claims };
    })();
    const { provider, carrier, carrierOf, summary, claims } = await reads.catch(async (error: unknown) => {
      // A refusal is given once every read the call started has been answered: none outlives the call.
      await Promise.allSettled(started);
      throw error;
    });

    // A claim without an insurance record has no carrier on file; one whose record Escape Dental
    // did not send (a list read in part) has a carrier this answer does not know.
    const carrierName = (claim: Claim): string | undefined => {
      if (!claim.patient_insurance) return undefined;
      const ref: CarrierRef | undefined = carrierOf.get(claim.patient_insurance);
      return ref?.carrierName ?? CARRIER_NOT_KNOWN;
    };
    const keep = (claim: Claim) =>
      !carrier || (claim.patient_insurance ? carrierOf.get(claim.patient_insurance)?.carrierId === carrier.id : false);

    // Per-status totals: the summary endpoint when unfiltered, else the (filtered) claim list.
    let byStatus: Output['by_status'];
    let totals: Output['totals'];
    let outstandingClaims: Claim[];
    if (summary) {
      notes.push(...summary.warnings);
      byStatus = Object.entries(summary.byStatus)
        .filter(([, row]) => row.count > 0)
        .map(([status, row]) => ({ status, count: row.count, billed: row.totalFee, paid: row.totalPaid }));
      outstandingClaims = claims;
      totals = {
        count: summary.totals.count,
        billed: summary.totals.totalFee,
        paid: summary.totals.totalPaid,
        outstanding: summary.totals.outstanding ?? formatMoney(sumOutstanding(claims)),
      };
      sources.push(
        summary.source === 'summary'
          ? 'per-status totals: the claims summary endpoint (all claims, all dates)'
          : 'per-status totals: aggregated from the claim list (the summary endpoint was unavailable)',
      );
    } else {
      const kept = claims.filter(keep);
      byStatus = aggregateByStatus(kept);
      outstandingClaims = kept.filter(isOutstanding);
      totals = {
        count: kept.length,
        billed: formatMoney(sum(kept.map((c) => c.claim_fee))),
        paid: formatMoney(sum(kept.map((c) => c.ins_pay_amt))),
        outstanding: formatMoney(sumOutstanding(outstandingClaims)),
      };
      sources.push('per-status totals: aggregated from the claim list with the filters applied');
    }
    sources.push(`outstanding detail: the claim list (statuses ${OUTSTANDING_STATUSES.join(', ')}), aged by date sent`);

    const aged = outstandingClaims.map((claim) => ({
      claim,
      days: claim.date_sent ? Math.max(0, diffDays(claim.date_sent.slice(0, 10), today)) : undefined,
      amount: outstandingAmount(claim),
    }));
    const oldest = [...aged]
      .sort((a, b) => (b.days ?? -1) - (a.days ?? -1) || a.claim.id.localeCompare(b.claim.id))
      .slice(0, args.oldest);
    for (const row of oldest) if (row.claim.patient) context.notePatient(row.claim.patient);

    const structured: Output = {
      practice: context.practice.name,
      as_of: today,
      filters: describeFilters(args, provider ? providerName(provider) : undefined, carrier?.name),
      by_status: byStatus,
      totals,
      outstanding_by_age: ageBuckets(aged),
      outstanding_by_carrier: carrierRows(
        aged.map((row) => ({ carrier: carrierName(row.claim) ?? NO_CARRIER, amount: row.amount })),
      ),
      oldest_outstanding: oldest.map(({ claim, days, amount }) => ({
        claim_id: claim.id,
        ...(claim.patient ? { patient_id: claim.patient } : {}),
        ...(claim.patient_name ? { patient: claim.patient_name } : {}),
        ...(carrierName(claim) ? { carrier: carrierName(claim) } : {}),
        status: claim.status ?? 'unknown',
        ...(claim.date_sent ? { date_sent: claim.date_sent.slice(0, 10) } : {}),
        ...(days !== undefined ? { days_outstanding: days } : {}),
        outstanding: formatMoney(amount),
      })),
      ...(unreadable.size > 0 ? { unreadable_claims: unreadable.size } : {}),
      sources,
      notes: [...new Set(notes)],
    };
    return { structured, summary: summarize(structured) };
  },
};

/**
 * A read started now and taken later: what it found the API doing differently (divergence.ts)
 * enters the call's record when it is taken, not when it happens to finish.
 */
function startRead<T>(started: Promise<unknown>[], read: () => Promise<T>): () => Promise<T> {
  const records: Divergence[] = [];
  const pending = recordDivergences(records, read);
  started.push(pending);
  // Taken later, or never when an earlier answer failed the call.
  pending.catch(() => undefined);
  return async () => {
    try {
      return await pending;
    } finally {
      replayDivergences(records);
    }
  };
}

async function listClaims(
  context: ToolContext,
  statuses: readonly string[],
  filters: { from?: string | undefined; to?: string | undefined; providerId?: string | undefined },
  notes: string[],
  unreadable: Map<string, UnusableUpstreamValue>,
): Promise<Claim[]> {
  const range =
    filters.from || filters.to ? { from: filters.from ?? '1900-01-01', to: filters.to ?? '2999-12-31' } : undefined;
  // One request stream per status: the list filter takes a single status (C-T9).
  const lists = await Promise.all(
    statuses.map((status) =>
      context.api.insurance.listClaims(
        context.practice.id,
        {
          status,
          ...(filters.providerId ? { providerId: filters.providerId } : {}),
          ...(range ? { range } : {}),
          limit: CLAIM_LIST_LIMIT,
        },
        { signal: context.signal },
      ),
    ),
  );
  for (const list of lists) {
    notes.push(...list.warnings);
    for (const row of list.skipped) unreadable.set(row.id ?? `#${unreadable.size}`, row.reason);
    if (list.truncated)
      notes.push(
        `More than ${CLAIM_LIST_LIMIT} claims matched one status; the figures cover the first ${CLAIM_LIST_LIMIT}.`,
      );
  }
  const claims = lists.flatMap((list) => list.claims);
  const skipped = [...unreadable.values()];
  // Nothing readable in any of the lists: "no claims" would be a wrong answer, not a partial one.
  if (claims.length === 0 && skipped[0]) throw skipped[0];
  if (skipped.length > 0) notes.push(skippedClaimsNote(skipped));
  return claims;
}

const isOutstanding = (claim: Claim) => (OUTSTANDING_STATUSES as readonly string[]).includes(claim.status ?? '');

/** What the payer still owes on an outstanding claim: billed − paid − written off (ASSUMPTIONS §9). */
function outstandingAmount(claim: Claim): Big {
  return parseMoney(claim.claim_fee).minus(parseMoney(claim.ins_pay_amt)).minus(parseMoney(claim.write_off));
}

const sum = (values: unknown[]): Big => values.reduce<Big>((total, v) => total.plus(parseMoney(v)), parseMoney(0));
const sumOutstanding = (claims: readonly Claim[]): Big =>
  claims.reduce<Big>((t, c) => t.plus(outstandingAmount(c)), parseMoney(0));

function aggregateByStatus(claims: readonly Claim[]): Output['by_status'] {
  return CLAIM_STATUSES.map((status) => {
    const rows = claims.filter((c) => c.status === status);
    return {
      status,
      count: rows.length,
      billed: formatMoney(sum(rows.map((c) => c.claim_fee))),
      paid: formatMoney(sum(rows.map((c) => c.ins_pay_amt))),
    };
  }).filter((row) => row.count > 0);
}

function ageBuckets(rows: { days: number | undefined; amount: Big }[]): Output['outstanding_by_age'] {
  const buckets = [
    ...AGE_BUCKETS.map((b) => ({ days: b.days as string, count: 0, total: parseMoney(0) })),
    { days: NOT_SENT, count: 0, total: parseMoney(0) },
  ];
  for (const row of rows) {
    const index =
      row.days === undefined ? AGE_BUCKETS.length : AGE_BUCKETS.findIndex((b) => (row.days as number) <= b.max);
    const bucket = buckets[index];
    if (!bucket) continue;
    bucket.count += 1;
    bucket.total = bucket.total.plus(row.amount);
  }
  return buckets
    .filter((b) => b.days !== NOT_SENT || b.count > 0)
    .map((b) => ({ days: b.days, count: b.count, amount: formatMoney(b.total) }));
}

function carrierRows(rows: { carrier: string; amount: Big }[]): Output['outstanding_by_carrier'] {
  const byCarrier = new Map<string, { count: number; total: Big }>();
  for (const row of rows) {
    const entry = byCarrier.get(row.carrier) ?? { count: 0, total: parseMoney(0) };
    entry.count += 1;
    entry.total = entry.total.plus(row.amount);
    byCarrier.set(row.carrier, entry);
  }
  return [...byCarrier.entries()]
    .sort((a, b) => b[1].total.cmp(a[1].total) || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([carrier, e]) => ({ carrier, count: e.count, amount: formatMoney(e.total) }));
}

function describeFilters(args: Input, provider: string | undefined, carrier: string | undefined): string {
  const parts = [
    args.statuses && `status ${args.statuses.join('/')}`,
    (args.date_from || args.date_to) && `date of service ${args.date_from ?? '…'} to ${args.date_to ?? '…'}`,
    provider && `provider ${shownName(provider)}`,
    carrier && `carrier ${shownPlace(carrier)}`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'all claims';
}

function summarize(output: Output): string {
  const t = output.totals;
  const lines = [
    `Claims at ${shownPlace(output.practice)} (${output.filters}), as of ${output.as_of}: ${t.count} claims, billed $${t.billed}, paid $${t.paid}, outstanding $${t.outstanding}.${output.unreadable_claims ? ` Incomplete: ${output.unreadable_claims} claim${output.unreadable_claims === 1 ? '' : 's'} could not be read and ${output.unreadable_claims === 1 ? 'is' : 'are'} left out (see notes).` : ''}`,
    `By status: ${output.by_status.map((s) => `${shownCode('status', s.status)} ${s.count} ($${s.billed} billed, $${s.paid} paid)`).join('; ') || 'none'}.`,
    `Outstanding by days since sent: ${output.outstanding_by_age.map((b) => `${b.days}: ${b.count} ($${b.amount})`).join('; ')}.`,
  ];
  if (output.outstanding_by_carrier.length) {
    lines.push(
      `Outstanding by carrier: ${output.outstanding_by_carrier.map((c) => `${c.carrier === NO_CARRIER || c.carrier === CARRIER_NOT_KNOWN ? c.carrier : shownPlace(c.carrier)} ${c.count} ($${c.amount})`).join('; ')}.`,
    );
  }
  if (output.oldest_outstanding.length) {
    lines.push('Oldest outstanding:');
    for (const c of output.oldest_outstanding) {
      lines.push(
        `- ${shownName(c.patient) ?? (c.patient_id ? `patient ${c.patient_id}` : 'unknown patient')} · ${c.carrier === CARRIER_NOT_KNOWN ? c.carrier : (shownPlace(c.carrier) ?? 'no carrier')} · ${shownCode('status', c.status)} · sent ${shownCode('date sent', c.date_sent) ?? 'never'}${c.days_outstanding !== undefined ? ` (${c.days_outstanding} days)` : ''} · $${c.outstanding} · claim ${c.claim_id}`,
      );
    }
  }
  for (const note of output.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}
