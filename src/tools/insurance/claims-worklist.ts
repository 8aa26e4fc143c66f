/**
 * claims_worklist — which insurance claims to chase first: outstanding, rejected and denied
 * claims ranked by days since sent × the amount still owed, each with its carrier's phone, the
 * last entry of its status log, the days since that last action and one suggested next action.
 * Status logs are read only for the rows shown, a few at a time (fan-out.ts).
 */
import type Big from 'big.js';
import { z } from 'zod';
import type { Claim } from '../../api/port.js';
import { OUTSTANDING_STATUSES, skippedClaimsNote } from '../../api/resources/insurance.js';
import { diffDays, instantToLocalDate, todayIn } from '../../domain/dates.js';
import { quoted, shownCode, shownName, shownPlace } from '../../domain/free-text.js';
import { formatMoney, parseMoney, sumMoneyString } from '../../domain/money.js';
import { presentPhone } from '../../domain/names.js';
import { closingLines, pageArguments, pageFrom, readCursor, worklistHeaderFields } from '../framework/cursor.js';
import { mapBounded } from '../framework/fan-out.js';
import { providerName, resolveCarrier, resolveProviders } from '../framework/shared.js';
import type { ToolDefinition } from '../framework/types.js';

const WORKLIST_STATUSES = [...OUTSTANDING_STATUSES, 'rejected', 'denied'] as const;
type WorklistStatus = (typeof WORKLIST_STATUSES)[number];

/**
 * The next-action rule, first match wins (also in the tool's description):
 * 1. sent 180+ days ago and nothing done for 30+ days → write off for review (past most payers'
 *    follow-up windows; a person decides);
 * 2. rejected → resubmit (a rejection is a correctable error, not a payer decision);
 * 3. denied → appeal;
 * 4. nothing done for 30+ days → call the carrier;
 * 5. otherwise wait until 30 days after the last action.
 */
const FOLLOW_UP_DAYS = 30;
const WRITE_OFF_REVIEW_DAYS = 180;
const NEXT_ACTIONS = ['write_off_review', 'resubmit', 'appeal', 'call_carrier', 'wait'] as const;
type NextAction = (typeof NEXT_ACTIONS)[number];

function nextAction(status: string, daysSinceSent: number | null, daysSinceAction: number): NextAction {
  if (daysSinceSent !== null && daysSinceSent >= WRITE_OFF_REVIEW_DAYS && daysSinceAction >= FOLLOW_UP_DAYS) {
    return 'write_off_review';
  }
  if (status === 'rejected') return 'resubmit';
  if (status === 'denied') return 'appeal';
  if (daysSinceAction >= FOLLOW_UP_DAYS) return 'call_carrier';
  return 'wait';
}

const CLAIM_LIST_LIMIT = 5000;

const inputSchema = z.object({
  statuses: z
    .array(z.enum(WORKLIST_STATUSES))
    .min(1)
    .optional()
    .describe('Only these statuses. Default: every outstanding status plus rejected and denied.'),
  carrier: z.string().max(120).optional().describe('Carrier by name (or part of it) or id.'),
  provider: z.string().max(120).optional().describe('Rendering provider by name or id.'),
  min_amount: z
    .string()
    .regex(/^\d{1,8}(\.\d{1,2})?$/, { error: 'min_amount is dollars, e.g. "250" or "250.00"' })
    .optional()
    .describe('Only claims still owing at least this many dollars, e.g. "250".'),
  ...pageArguments,
});

const rowSchema = z.object({
  rank: z.number(),
  claim_id: z.string(),
  patient_id: z.string().optional(),
  patient: z.string().optional(),
  carrier: z.string().optional(),
  carrier_phone: z.string().optional(),
  status: z.string(),
  owed: z.string(),
  date_sent: z.string().optional(),
  days_since_sent: z.number().optional(),
  last_entry: z.object({ status: z.string(), date: z.string(), note: z.string().optional() }).optional(),
  days_since_last_action: z.number(),
  next_action: z.enum(NEXT_ACTIONS),
  next_step: z.string(),
});

const outputSchema = z.object({
  ...worklistHeaderFields,
  matched_owed: z.string(),
  rows: z.array(rowSchema),
  next_cursor: z.string().optional(),
  unreadable_claims: z.number().optional(),
  notes: z.array(z.string()),
});

type Output = z.infer<typeof outputSchema>;
type Row = z.infer<typeof rowSchema>;

interface Ranked {
  claim: Claim;
  owed: Big;
  daysSinceSent: number | null;
  score: Big;
}

export const claimsWorklist: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'claims_worklist',
  toolset: 'insurance',
  title: 'Claims to chase',
  description:
    'Claims to chase first: outstanding, rejected and denied claims ranked by days since sent × amount owed, with carrier phone, last status-log entry, days idle and a next action (resubmit, appeal, call carrier, write-off review, wait).',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['insurance:read'],
  writes: false,
  operations: [
    'insurance.carriers',
    'insurance.claimList',
    'insurance.claimLog',
    'insurance.patientInsurance',
    'providers.list',
  ],
  example: {
    question: 'Which claims should we chase today?',
    answer:
      'Claims to chase at Sunset Smiles Dental as of 2026-12-06: 481 claims owing $146396.00, ranked by days since sent × amount still owed.\n1. Reed, Kenji · Delta Dental · denied · $1560.00 · sent 2025-12-11 (360 d) · last: denied 2026-01-01 · idle 339 d · Next: Review for write-off: sent 180+ days ago and idle 30+ days.\n… More: call again with cursor "3".',
  },
  async handler(context, args) {
    const offset = readCursor(args.cursor);
    const today = todayIn(context.practice.timezone, context.now());
    const [provider] = await resolveProviders(context, args.provider ? [args.provider] : undefined);
    const carrier = args.carrier ? await resolveCarrier(context, args.carrier) : undefined;
    const minimum = args.min_amount ? parseMoney(args.min_amount) : undefined;
    const statuses: readonly WorklistStatus[] = args.statuses ?? WORKLIST_STATUSES;
    const notes: string[] = [];

    const [carrierOf, carriers, lists] = await Promise.all([
      context.api.reference.patientInsuranceCarriers(context.practice.id, { signal: context.signal }),
      context.api.reference.carriers(context.practice.id, { signal: context.signal }),
      // One list per status: the list filter takes a single status (C-T9).
      Promise.all(
        statuses.map((status) =>
          context.api.insurance.listClaims(
            context.practice.id,
            { status, ...(provider ? { providerId: provider.id } : {}), limit: CLAIM_LIST_LIMIT },
            { signal: context.signal },
          ),
        ),
      ),
    ]);
    const skipped = lists.flatMap((l) => l.skipped);
    for (const list of lists) {
      notes.push(...list.warnings);
      if (list.truncated) notes.push(`More than ${CLAIM_LIST_LIMIT} claims in one status; the first are ranked.`);
    }
    if (skipped.length > 0) notes.push(skippedClaimsNote(skipped.map((s) => s.reason)));
    const claims = lists.flatMap((l) => l.claims);
    if (claims.length === 0 && skipped[0]) throw skipped[0].reason;

    const carrierFor = (claim: Claim) => (claim.patient_insurance ? carrierOf.get(claim.patient_insurance) : undefined);
    const phoneOf = new Map(
      carriers.map((c) => [c.id, typeof c.phone === 'string' ? presentPhone(c.phone) : undefined]),
    );

    const ranked: Ranked[] = claims
      .filter((claim) => !carrier || carrierFor(claim)?.carrierId === carrier.id)
      .map((claim) => {
        const owed = parseMoney(claim.claim_fee)
          .minus(parseMoney(claim.ins_pay_amt))
          .minus(parseMoney(claim.write_off));
        const sent = claim.date_sent ? claim.date_sent.slice(0, 10) : undefined;
        const daysSinceSent = sent ? Math.max(0, diffDays(sent, today)) : null;
        return { claim, owed, daysSinceSent, score: owed.times(daysSinceSent ?? 0) };
      })
      .filter((r) => !minimum || r.owed.gte(minimum))
      .sort((a, b) => b.score.cmp(a.score) || b.owed.cmp(a.owed) || a.claim.id.localeCompare(b.claim.id));

    const { page, nextCursor, pastEnd } = pageFrom(ranked, offset, args.limit);
    if (pastEnd) notes.push(pastEnd);
    const logs = await mapBounded(
      context,
      page,
      (r) =>
        r.claim.patient
          ? context.api.officeReports.claimLog(context.practice.id, r.claim.patient, r.claim.id, {
              signal: context.signal,
            })
          : Promise.resolve([]),
      { label: 'claim status logs' },
    );

    const rows: Row[] = page.map((r, i) => {
      const { claim } = r;
      if (claim.patient) context.notePatient(claim.patient);
      const last = logs[i]?.at(-1);
      const lastDate = last?.changedAt ? instantToLocalDate(last.changedAt, context.practice.timezone) : undefined;
      const actionDate = lastDate ?? claim.date_sent?.slice(0, 10);
      const daysSinceAction = actionDate ? Math.max(0, diffDays(actionDate, today)) : (r.daysSinceSent ?? 0);
      const action = nextAction(claim.status ?? '', r.daysSinceSent, daysSinceAction);
      const ref = carrierFor(claim);
      const phone = ref?.carrierId ? phoneOf.get(ref.carrierId) : undefined;
      return {
        rank: offset + i + 1,
        claim_id: claim.id,
        ...(claim.patient ? { patient_id: claim.patient } : {}),
        ...(claim.patient_name ? { patient: claim.patient_name } : {}),
        ...(ref?.carrierName ? { carrier: ref.carrierName } : {}),
        ...(phone ? { carrier_phone: phone } : {}),
        status: claim.status ?? 'unknown',
        owed: formatMoney(r.owed),
        ...(claim.date_sent ? { date_sent: claim.date_sent.slice(0, 10) } : {}),
        ...(r.daysSinceSent !== null ? { days_since_sent: r.daysSinceSent } : {}),
        ...(last && lastDate
          ? { last_entry: { status: last.toStatus, date: lastDate, ...(last.note ? { note: last.note } : {}) } }
          : {}),
        days_since_last_action: daysSinceAction,
        next_action: action,
        next_step: nextStep(action, ref?.carrierName ?? undefined, phone, actionDate),
      };
    });

    const structured: Output = {
      practice: context.practice.name,
      as_of: today,
      filters: [
        args.statuses && `status ${args.statuses.join('/')}`,
        provider && `provider ${providerName(provider)}`,
        carrier && `carrier ${carrier.name}`,
        minimum && `owing at least $${formatMoney(minimum)}`,
      ]
        .filter(Boolean)
        .join(', '),
      ranking: 'days since sent × amount still owed (claim fee − insurance paid − write-off), highest first',
      matched: ranked.length,
      matched_owed: sumMoneyString(ranked.map((r) => r.owed)),
      rows,
      ...(nextCursor ? { next_cursor: nextCursor } : {}),
      ...(skipped.length > 0 ? { unreadable_claims: skipped.length } : {}),
      notes: [...new Set(notes)],
    };
    return { structured, summary: summarize(structured) };
  },
};

function nextStep(
  action: NextAction,
  carrier: string | undefined,
  phone: string | undefined,
  since: string | undefined,
): string {
  const who = `${shownPlace(carrier) ?? 'the carrier'}${phone ? ` at ${shownCode('phone', phone)}` : ''}`;
  switch (action) {
    case 'write_off_review':
      return `Review for write-off: sent ${WRITE_OFF_REVIEW_DAYS}+ days ago and idle ${FOLLOW_UP_DAYS}+ days.`;
    case 'resubmit':
      return 'Correct the rejection reason and resubmit.';
    case 'appeal':
      return 'Appeal the denial with supporting notes or x-rays.';
    case 'call_carrier':
      return `Call ${who}: no action for ${FOLLOW_UP_DAYS}+ days.`;
    case 'wait':
      return `Wait; follow up if nothing by ${since ? `${FOLLOW_UP_DAYS} days after ${since}` : 'next month'}.`;
  }
}

function summarize(output: Output): string {
  const lines = [
    `Claims to chase at ${shownPlace(output.practice)} as of ${output.as_of}${output.filters ? ` (${output.filters})` : ''}: ${output.matched} claims owing $${output.matched_owed}, ranked by ${output.ranking}.`,
  ];
  for (const r of output.rows) {
    const last = r.last_entry
      ? `last: ${shownCode('status', r.last_entry.status)} ${r.last_entry.date}${r.last_entry.note ? ` ${quoted('note', r.last_entry.note, 80)}` : ''}`
      : 'no log entry';
    lines.push(
      `${r.rank}. ${shownName(r.patient) ?? `patient ${r.patient_id ?? 'unknown'}`} · ${shownPlace(r.carrier) ?? 'no carrier'} · ${shownCode('status', r.status)} · $${r.owed} · sent ${r.date_sent ?? 'never'}${r.days_since_sent !== undefined ? ` (${r.days_since_sent} d)` : ''} · ${last} · idle ${r.days_since_last_action} d · Next: ${r.next_step} (claim ${r.claim_id})`,
    );
  }
  if (output.matched === 0) lines.push('Nothing to chase with these filters.');
  lines.push(...closingLines(output.next_cursor, output.notes));
  return lines.join('\n');
}
