/**
 * recall_worklist — who is due or overdue for a recall and has nothing booked, grouped by recall
 * type, most overdue first, each with the last contact attempt (from the communication log), a
 * do-not-contact or no-SMS-consent marker and one next action. Contact details only on rows whose
 * action is a call.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { sameId } from '../../api/paths.js';
import type { Commlog, Recall } from '../../api/resources/recalls.js';
import { addDays, diffDays, todayIn } from '../../domain/dates.js';
import { quoted, shownCode, shownName, shownPlace } from '../../domain/free-text.js';
import { reachPhone, sanitizeUserText } from '../../domain/names.js';
import { cursorFingerprint, pastEndNote, readBoundCursor } from '../framework/cursor.js';
import { ToolInputError } from '../framework/errors.js';
import { mapBounded } from '../framework/fan-out.js';
import type { ToolContext, ToolDefinition } from '../framework/types.js';
import { patientName } from '../patients/patient-lookup.js';

/** A contact attempt this recent is not repeated yet (the issue's "at least a week ago"). */
const RECONTACT_AFTER_DAYS = 7;

const inputSchema = z.object({
  due_within_days: z
    .number()
    .int()
    .min(0)
    .max(90)
    .default(14)
    .describe('Also list recalls coming due within this many days from today (0 = overdue and due today only).'),
  recall_type: z.string().min(1).max(100).optional().describe('Only this recall type, e.g. "prophy" or "perio".'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(30, { error: 'limit must be at most 30; use next_cursor for more' })
    .default(15)
    .describe('Rows per answer.'),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous answer, for the next rows.'),
});

const rowSchema = z.object({
  recall_id: z.string(),
  patient_id: z.string(),
  recall_type: z.string(),
  date_due: z.string(),
  /** Positive: days past due; negative: days until due. */
  days_overdue: z.number(),
  do_not_contact: z.boolean(),
  sms_consent: z.boolean(),
  last_contact: z
    .object({
      date: z.string(),
      mode: z.string(),
      outcome: z.string(),
      /** False when the entry is the patient's latest contact but not linked to this recall. */
      about_this_recall: z.boolean(),
    })
    .optional(),
  action: z.enum(['call', 'wait', 'do_not_contact', 'write']),
  reason: z.string(),
  patient: z.string().optional(),
  phone: z.string().optional(),
});

const outputSchema = z.object({
  practice: z.string(),
  as_of: z.string(),
  due_by: z.string(),
  total: z.number(),
  groups: z.array(z.object({ recall_type: z.string(), count: z.number() })),
  rows: z.array(rowSchema),
  next_cursor: z.string().optional(),
  already_booked: z.number(),
  unreadable_recalls: z.number().optional(),
  notes: z.array(z.string()),
});

type Output = z.infer<typeof outputSchema>;
type Row = z.infer<typeof rowSchema>;

export const recallWorklist: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'recall_worklist',
  toolset: 'worklists',
  title: 'Recall worklist',
  description:
    'Due and overdue recalls with no future visit, grouped by recall type, most overdue first: last contact attempt and outcome, do-not-contact and no-SMS-consent markers, one next action per row (name and phone only for calls). Record a call with log_contact.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['scheduling:read', 'patients:read'],
  writes: false,
  operations: ['comms.patientCommlogs', 'comms.smsConsents', 'patients.retrieve', 'recalls.list'],
  example: {
    question: "Who's overdue for a recall that we should call today?",
    answer:
      "Recalls at Sunset Smiles Dental due by 2026-12-20 with no future visit, as of 2026-12-06: 187 (perio 56, prophy 131). 260 more already have a visit booked and are left out.\nperio:\n- Sofia O'Brien +13235550177 — 233 days overdue (due 2026-04-17); never contacted. Call to book. recall c1d365d7-…\n- 167 days overdue (due 2026-06-22); last contact 2026-11-30 email success (not about this recall); no SMS consent. Wait: contacted 6 days ago; next attempt from 2026-12-07. recall a389516b-…\nMore rows: call again with cursor = next_cursor.\nAfter each call, record it with log_contact.",
  },
  async handler(context, args) {
    const today = todayIn(context.practice.timezone, context.now());
    const dueBy = addDays(today, args.due_within_days);
    const recallType =
      args.recall_type === undefined
        ? undefined
        : sanitizeUserText(args.recall_type, { maxLength: 100, label: 'recall_type' });
    const print = fingerprint(today, dueBy, recallType);
    const offset = args.cursor === undefined ? 0 : parseCursor(args.cursor, print);

    const listed = await context.api.recalls.listRecalls(
      context.practice.id,
      { dueBefore: dueBy, ...(recallType ? { recallType } : {}) },
      { signal: context.signal },
    );
    const notes: string[] = [];
    if (listed.truncated) notes.push('More recalls are due than could be read at once; the list is incomplete.');
    if (listed.skipped[0]) {
      notes.push(
        `${listed.skipped.length} recall${listed.skipped.length === 1 ? ' was' : 's were'} left out: ${listed.skipped[0].summary}.`,
      );
    }

    const booked = listed.recalls.filter((r) => isBooked(r, today));
    const open = listed.recalls
      .filter((r) => !isBooked(r, today))
      .sort(
        (a, b) =>
          (a.recall_type ?? '').localeCompare(b.recall_type ?? '') ||
          Number(Boolean(a.is_disabled)) - Number(Boolean(b.is_disabled)) ||
          (a.date_due ?? '').localeCompare(b.date_due ?? '') ||
          a.id.localeCompare(b.id),
      );
    if (open.some((r) => r.has_future_appointment == null && !r.date_scheduled)) {
      notes.push(
        'Escape Dental did not say for some recalls whether a visit is booked; they are listed as not booked.',
      );
    }
    const pastEnd = pastEndNote(offset, open.length);
    if (pastEnd) notes.push(pastEnd);
    const page = pastEnd ? [] : open.slice(offset, offset + args.limit);

    const rows = await mapBounded(context, page, (recall) => rowFor(context, recall, today), {
      label: 'recall contact history',
    });

    const groups = new Map<string, number>();
    for (const r of open) groups.set(r.recall_type ?? '', (groups.get(r.recall_type ?? '') ?? 0) + 1);
    const structured: Output = {
      practice: context.practice.name,
      as_of: today,
      due_by: dueBy,
      total: open.length,
      groups: [...groups].map(([type, count]) => ({ recall_type: type, count })),
      rows,
      ...(offset + args.limit < open.length ? { next_cursor: `${offset + args.limit}.${print}` } : {}),
      already_booked: booked.length,
      ...(listed.skipped.length > 0 ? { unreadable_recalls: listed.skipped.length } : {}),
      notes,
    };
    return { structured, summary: summarize(structured, offset) };
  },
};

/** A future visit is booked: the API's own flag, or a scheduled date from today on when the flag is missing. */
function isBooked(recall: Recall, today: string): boolean {
  if (typeof recall.has_future_appointment === 'boolean') return recall.has_future_appointment;
  return Boolean(recall.date_scheduled && recall.date_scheduled.slice(0, 10) >= today);
}

async function rowFor(context: ToolContext, recall: Recall, today: string): Promise<Row> {
  const patientId = recall.patient as string;
  context.notePatient(patientId);
  const signal = context.signal;
  const [history, consent] = await Promise.all([
    context.api.recalls.patientCommlogs(context.practice.id, patientId, {}, { signal }),
    context.api.recalls.smsConsent(context.practice.id, patientId, { signal }),
  ]);
  const last = lastContact(history.commlogs, recall.id, context.practice.timezone);
  const dateDue = recall.date_due as string;
  const daysOverdue = diffDays(dateDue, today);
  const doNotContact = recall.is_disabled === true;
  // No consent row means opted in (L18703).
  const smsConsent = consent?.state !== 'opted_out';
  const base = {
    recall_id: recall.id,
    patient_id: patientId,
    recall_type: recall.recall_type ?? '',
    date_due: dateDue,
    days_overdue: daysOverdue,
    do_not_contact: doNotContact,
    sms_consent: smsConsent,
    ...(last ? { last_contact: last } : {}),
  };
  if (doNotContact) {
    return { ...base, action: 'do_not_contact', reason: 'Do not contact: the recall is disabled in Escape Dental.' };
  }
  const sinceLast = last ? diffDays(last.date, today) : undefined;
  if (sinceLast !== undefined && sinceLast < RECONTACT_AFTER_DAYS) {
    return {
      ...base,
      action: 'wait',
      reason: `Wait: contacted ${sinceLast === 0 ? 'today' : `${sinceLast} day${sinceLast === 1 ? '' : 's'} ago`}; next attempt from ${addDays(last?.date as string, RECONTACT_AFTER_DAYS)}.`,
    };
  }
  const patient = await context.api.patients.retrieve(context.practice.id, patientId, { signal });
  const phone = reachPhone(patient);
  if (!sameId(patient.id, patientId) || !phone) {
    return {
      ...base,
      action: 'write',
      reason: !sameId(patient.id, patientId)
        ? 'No phone shown: Escape Dental answered with another patient record.'
        : 'No phone on file: send a letter or email instead.',
    };
  }
  return {
    ...base,
    action: 'call',
    reason: smsConsent ? 'Call to book.' : 'Call to book; do not text (no SMS consent).',
    patient: patientName(patient),
    phone: phone.trim(),
  };
}

/** The latest attempt about this recall; else the patient's latest contact of any kind. */
function lastContact(commlogs: readonly Commlog[], recallId: string, zone: string): Row['last_contact'] {
  const localDay = (c: Commlog) =>
    DateTime.fromISO(c.date_time ?? '', { setZone: true })
      .setZone(zone)
      .toISODate();
  const dated = commlogs.filter((c) => localDay(c) !== null);
  const linked = dated.find((c) => c.recall && sameId(c.recall, recallId));
  const chosen = linked ?? dated[0];
  if (!chosen) return undefined;
  return {
    date: localDay(chosen) as string,
    mode: chosen.mode ?? 'other',
    outcome: chosen.outcome ?? 'other',
    about_this_recall: Boolean(linked),
  };
}

function describeRow(row: Row): string {
  const due =
    row.days_overdue > 0
      ? `${row.days_overdue} days overdue`
      : row.days_overdue === 0
        ? 'due today'
        : `due in ${-row.days_overdue} days`;
  const contact = row.last_contact
    ? `last contact ${row.last_contact.date} ${shownCode('mode', row.last_contact.mode)} ${shownCode('outcome', row.last_contact.outcome)}${row.last_contact.about_this_recall ? '' : ' (not about this recall)'}`
    : 'never contacted';
  const markers = [row.do_not_contact ? 'DO NOT CONTACT' : undefined, row.sms_consent ? undefined : 'no SMS consent']
    .filter(Boolean)
    .join(', ');
  const who = row.action === 'call' ? `${shownName(row.patient) ?? 'patient'} ${quotedPhone(row.phone)} — ` : '';
  return `- ${who}${due} (due ${row.date_due}); ${contact}${markers ? `; ${markers}` : ''}. ${row.reason} recall ${row.recall_id}`;
}

function quotedPhone(phone: string | undefined): string {
  if (!phone) return '';
  return /^[0-9+().\s-]{3,25}$/.test(phone) ? phone : (quoted('phone', phone, 30) ?? '');
}

function summarize(output: Output, offset: number): string {
  const lines = [
    `Recalls at ${shownPlace(output.practice)} due by ${output.due_by} with no future visit, as of ${output.as_of}: ${output.total}${output.total > 0 ? ` (${output.groups.map((g) => `${shownCode('recall type', g.recall_type) ?? 'no type'} ${g.count}`).join(', ')})` : ''}. ${output.already_booked} more already have a visit booked and are left out.`,
  ];
  let group: string | undefined;
  for (const row of output.rows) {
    if (row.recall_type !== group) {
      group = row.recall_type;
      lines.push(`${shownCode('recall type', group) ?? 'no type'}:`);
    }
    lines.push(describeRow(row));
  }
  if (output.rows.length > 0 && offset > 0) lines.push(`(rows ${offset + 1}–${offset + output.rows.length})`);
  if (output.next_cursor) lines.push('More rows: call again with cursor = next_cursor.');
  if (output.rows.some((r) => r.action === 'call')) lines.push('After each call, record it with log_contact.');
  for (const note of output.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

// The cursor is an offset bound to the day and filters it continues, so it cannot be replayed on
// another list.
function fingerprint(today: string, dueBy: string, recallType: string | undefined): string {
  return cursorFingerprint([today, dueBy, recallType ?? '']);
}

function parseCursor(cursor: string, expected: string): number {
  const { offset, fingerprint: print } = readBoundCursor(
    cursor,
    100_000,
    'cursor is not one this tool returned. Leave it out to start from the first row.',
  );
  if (print !== expected) {
    throw new ToolInputError(
      'cursor belongs to another day or filter. Repeat the same arguments with it, or leave it out.',
    );
  }
  return offset;
}
