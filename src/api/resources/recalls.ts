/**
 * Recalls and the contact history around them: the practice recall list (L861), one recall
 * (L17460), the communication log (a patient's list, L18563; the practice-wide create, L18288;
 * one entry, L15039) and a patient's SMS consent (L18769). What the API sent outside the request (a filter
 * it ignored, another patient's rows) is left out here and said (divergence.ts).
 */
import { z } from 'zod';
import { isLocalDate } from '../../domain/dates.js';
import { type EscapeClient, parseBody } from '../client.js';
import { type Noun, noteLeftOut } from '../divergence.js';
import { UnusableUpstreamValue } from '../errors.js';
import { collectPages, listNoun } from '../pagination.js';
import { sameId } from '../paths.js';
import type { CallOptions } from '../port.js';
import { Bool, Id, NullableId, Str } from '../schemas.js';

export const Recall = z.looseObject({
  id: Id,
  patient: NullableId,
  patient_name: Str,
  prefers_sms: Bool,
  prefers_email: Bool,
  recall_type: Str,
  date_due: Str,
  date_previous: Str,
  date_scheduled: Str,
  last_visit_date: Str,
  has_future_appointment: Bool,
  last_reached_at: Str,
  is_disabled: Bool,
});
export type Recall = z.infer<typeof Recall>;

export const Commlog = z.looseObject({
  id: NullableId,
  patient: NullableId,
  date_time: Str,
  mode: Str,
  direction: Str,
  outcome: Str,
  subject: Str,
  note: Str,
  recall: NullableId,
});
export type Commlog = z.infer<typeof Commlog>;

const SmsConsent = z.looseObject({ id: NullableId, patient: NullableId, state: Str, opted_out_at: Str });
export type SmsConsent = z.infer<typeof SmsConsent>;

/** The spec's enums (L18300–18307). */
export const CONTACT_MODES = ['phone', 'email', 'text', 'fax', 'mail', 'in_person', 'web', 'other'] as const;
export const CONTACT_OUTCOMES = ['success', 'no_answer', 'voicemail', 'bounced', 'bad_number', 'other'] as const;

export interface RecallListParams {
  /** Inclusive upper bound on the due date. */
  dueBefore?: string;
  recallType?: string;
  isDisabled?: boolean;
}

export interface RecallListResult {
  recalls: Recall[];
  /** Rows without a usable id, patient or due date: not counted, named in the answer. */
  skipped: UnusableUpstreamValue[];
  truncated: boolean;
}

export interface CommlogCreateInput {
  patient: string;
  /** ISO 8601 with an offset (a naive time is refused upstream, ASSUMPTIONS §15). */
  date_time: string;
  mode: (typeof CONTACT_MODES)[number];
  direction: 'sent' | 'received' | 'neither';
  outcome: (typeof CONTACT_OUTCOMES)[number];
  subject: string;
  note?: string;
  recall: string;
}

/** The recall area of the port (composed into EscapeApi as `recalls`). */
export interface RecallsPort {
  listRecalls(practiceId: string, params: RecallListParams, options?: CallOptions): Promise<RecallListResult>;
  getRecall(practiceId: string, recallId: string, options?: CallOptions): Promise<Recall>;
  /** The patient's communication log, newest first, on or after `since` (a local date). */
  patientCommlogs(
    practiceId: string,
    patientId: string,
    params?: { since?: string },
    options?: CallOptions,
  ): Promise<{ commlogs: Commlog[]; truncated: boolean }>;
  getCommlog(practiceId: string, patientId: string, commlogId: string, options?: CallOptions): Promise<Commlog>;
  /** The patient's SMS consent row; undefined when there is none (which the spec reads as opted in, L18703). */
  smsConsent(practiceId: string, patientId: string, options?: CallOptions): Promise<SmsConsent | undefined>;
  /** A write: reachable only through the write pipeline (sealed, see tools/framework/writes/port.ts). */
  createCommlog(practiceId: string, input: CommlogCreateInput, options?: CallOptions): Promise<Commlog>;
}

const RECALL_NOUN = listNoun('recalls.list');
const COMMLOG_NOUN = listNoun('comms.patientCommlogs');
const RECALL_LIMIT = 2000;
const COMMLOG_LIMIT = 200;

function unusableRecall(recall: Recall): UnusableUpstreamValue | undefined {
  const thing = `recall ${recall.id}`;
  const context = { operation: 'recalls.list' };
  if (!recall.patient) return new UnusableUpstreamValue('patient', thing, recall.patient, context);
  if (recall.date_due !== null && recall.date_due !== undefined && !isLocalDate(recall.date_due))
    return new UnusableUpstreamValue('date_due', thing, recall.date_due, context);
  return undefined;
}

/** The rows of `patientId`; any other patient's (a filter the API ignored) are left out and said. */
function patientRows<Row extends { id?: string | null; patient?: string | null }>(
  rows: Row[],
  patientId: string,
  noun: Noun,
): Row[] {
  const own = rows.filter((row) => row.patient && sameId(row.patient, patientId));
  noteLeftOut(
    noun,
    rows.filter((row) => !own.includes(row)).map((row) => row.id ?? JSON.stringify(row)),
    'of another patient',
  );
  return own;
}

export function createRecallResources(client: EscapeClient): RecallsPort {
  async function listRecalls(
    practiceId: string,
    params: RecallListParams,
    options?: CallOptions,
  ): Promise<RecallListResult> {
    const { rows, truncated } = await collectPages(client, {
      operation: 'recalls.list',
      params: { practice: practiceId },
      query: {
        due_before: params.dueBefore,
        recall_type: params.recallType,
        is_disabled: params.isDisabled === undefined ? undefined : String(params.isDisabled),
      },
      limit: RECALL_LIMIT,
      signal: options?.signal,
    });
    const recalls: Recall[] = [];
    const skipped: UnusableUpstreamValue[] = [];
    const leftOut = { due: [] as string[], type: [] as string[], disabled: [] as string[] };
    for (const row of rows) {
      const recall = parseBody(Recall, row, 'recalls.list');
      const unusable = unusableRecall(recall);
      if (params.recallType !== undefined && recall.recall_type !== params.recallType) leftOut.type.push(recall.id);
      else if (params.isDisabled !== undefined && Boolean(recall.is_disabled) !== params.isDisabled)
        leftOut.disabled.push(recall.id);
      else if (unusable) skipped.push(unusable);
      else if (params.dueBefore !== undefined && (!recall.date_due || recall.date_due > params.dueBefore))
        leftOut.due.push(recall.id);
      else recalls.push(recall);
    }
    noteLeftOut(RECALL_NOUN, leftOut.due, `due after ${params.dueBefore} (or with no due date)`);
    noteLeftOut(RECALL_NOUN, leftOut.type, 'of another recall type than asked');
    noteLeftOut(RECALL_NOUN, leftOut.disabled, 'enabled or disabled other than asked');
    return { recalls, skipped, truncated };
  }

  async function getRecall(practiceId: string, recallId: string, options?: CallOptions): Promise<Recall> {
    return client.requestJson(
      { operation: 'recalls.retrieve', params: { practice: practiceId, recall: recallId }, signal: options?.signal },
      Recall,
    );
  }

  async function patientCommlogs(
    practiceId: string,
    patientId: string,
    params: { since?: string } = {},
    options?: CallOptions,
  ): Promise<{ commlogs: Commlog[]; truncated: boolean }> {
    const { rows, truncated } = await collectPages(client, {
      operation: 'comms.patientCommlogs',
      // The patient-scoped list (L18563): a path cannot be ignored the way a `patient` filter can.
      params: { practice: practiceId, patient: patientId },
      query: { date_from: params.since },
      limit: COMMLOG_LIMIT,
      signal: options?.signal,
    });
    const own = patientRows(
      rows.map((row) => parseBody(Commlog, row, 'comms.patientCommlogs')),
      patientId,
      COMMLOG_NOUN,
    );
    // Newest first whatever order the API used (L18247 does not promise one).
    own.sort((a, b) => Date.parse(b.date_time ?? '') - Date.parse(a.date_time ?? ''));
    return { commlogs: own, truncated };
  }

  async function getCommlog(
    practiceId: string,
    patientId: string,
    commlogId: string,
    options?: CallOptions,
  ): Promise<Commlog> {
    return client.requestJson(
      {
        operation: 'comms.commlogRetrieve',
        params: { practice: practiceId, patient: patientId, commlog: commlogId },
        signal: options?.signal,
      },
      Commlog,
    );
  }

  async function smsConsent(
    practiceId: string,
    patientId: string,
    options?: CallOptions,
  ): Promise<SmsConsent | undefined> {
    const { rows } = await collectPages(client, {
      operation: 'comms.smsConsents',
      params: { practice: practiceId },
      query: { patient: patientId },
      signal: options?.signal,
    });
    // An ignored `patient` filter answers every row of the practice (ASSUMPTIONS §15).
    const own = patientRows(
      rows.map((row) => parseBody(SmsConsent, row, 'comms.smsConsents')),
      patientId,
      listNoun('comms.smsConsents'),
    );
    return own[0];
  }

  async function createCommlog(practiceId: string, input: CommlogCreateInput, options?: CallOptions): Promise<Commlog> {
    // Never retried blindly: the list has no idempotency key (the write pipeline looks first).
    const res = await client.request({
      operation: 'comms.commlogCreate',
      params: { practice: practiceId },
      body: input,
      signal: options?.signal,
    });
    return parseBody(Commlog, res.body, 'comms.commlogCreate');
  }

  return { listRecalls, getRecall, patientCommlogs, getCommlog, smsConsent, createCommlog };
}
