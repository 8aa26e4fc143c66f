/**
 * Communication-log writes and the practice-wide list (L18247–18345, L18563–18650, L15039–15200):
 * `log_contact` records a call or message against a recall with these. The patient-scoped list is
 * in clinical.ts. Patient-scoped writes answer the echo-only shape of the spec (no `id`); the
 * practice-wide create answers the row with its `id` (L18330).
 */
import { badRequest, HttpError, notFound } from '../http/errors.js';
import { bodyObject, paginate, queryDate, renderDateTime } from '../http/helpers.js';
import type { RouteOptions, Router, SandboxRequest } from '../http/types.js';
import type { PracticeIndex } from '../indexes.js';
import { type Body, bodyRef, bodyString, has, queryUuid } from '../ledger/params.js';
import type { Commlog, PracticeData, Uuid } from '../model.js';
import { serializeCommlog } from '../serialize.js';
import type { SandboxStore } from '../store.js';
import { parseOffsetDateTime } from '../time.js';
import { P } from './appointments.js';

const READ: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['patients:read'] };
// No scope is documented for commlog writes; `patients:write` by analogy (ASSUMPTIONS §15).
const WRITE: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['patients:write'], write: true };

const MODES: readonly Commlog['mode'][] = ['phone', 'email', 'text', 'fax', 'mail', 'in_person', 'web', 'other'];
const DIRECTIONS: readonly Commlog['direction'][] = ['sent', 'received', 'neither'];
const OUTCOMES: readonly Commlog['outcome'][] = ['success', 'no_answer', 'voicemail', 'bounced', 'bad_number', 'other'];
/** "POST accepts a JSON array for bulk import (up to 5000 records)" (L18251). */
const BULK_MAX = 5000;

function indexOf(store: SandboxStore, req: SandboxRequest): PracticeIndex {
  return store.index((req.practiceData as PracticeData).practice.id);
}

function choice<T extends string>(body: Body, field: string, allowed: readonly T[]): T | undefined {
  if (!has(body, field)) return undefined;
  const value = body[field];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw badRequest({ [field]: [`"${String(value)}" is not a valid choice.`] });
  }
  return value as T;
}

function dateTime(body: Body): number | undefined {
  if (!has(body, 'date_time') || body.date_time === null) return undefined;
  const value = body.date_time;
  const parsed = typeof value === 'string' ? parseOffsetDateTime(value) : null;
  if (parsed === 'naive') throw badRequest({ date_time: ['Datetime must include a timezone offset.'] });
  if (parsed === null) {
    throw badRequest({
      date_time: [
        'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
      ],
    });
  }
  return parsed;
}

function imported(body: Body): boolean | undefined {
  if (!has(body, 'is_imported')) return undefined;
  if (typeof body.is_imported !== 'boolean') throw badRequest({ is_imported: ['Must be a valid boolean.'] });
  return body.is_imported;
}

/** The fields of a commlog body, validated; `patientId` is the row's patient (for the recall check). */
function fields(store: SandboxStore, index: PracticeIndex, body: Body, patientId: Uuid) {
  return {
    dateTimeMs: dateTime(body),
    mode: choice(body, 'mode', MODES),
    direction: choice(body, 'direction', DIRECTIONS),
    outcome: choice(body, 'outcome', OUTCOMES),
    subject: bodyString(body, 'subject', 255),
    note: bodyString(body, 'note'),
    staffUserId: bodyRef(body, 'staff_user', (id) => store.users.has(id)),
    // A recall of the same patient in this practice (ASSUMPTIONS §15).
    recallId: bodyRef(body, 'recall', (id) => index.data.recalls.some((r) => r.id === id && r.patientId === patientId)),
    isImported: imported(body),
    customData: has(body, 'custom_data') ? body.custom_data : undefined,
  };
}

/** A new row from a body: date_time defaults to now, mode `other`, direction `neither`, outcome `other`. */
function create(
  store: SandboxStore,
  index: PracticeIndex,
  req: SandboxRequest,
  body: Body,
  patientId: Uuid,
  allowImported: boolean,
): Commlog {
  const f = fields(store, index, body, patientId);
  const now = Math.floor(req.nowMs / 1000) * 1000;
  return {
    id: store.newId(),
    pk: store.nextPk(),
    createdMs: now,
    modifiedMs: now,
    practiceId: index.data.practice.id,
    patientId,
    dateTimeMs: f.dateTimeMs ?? now,
    mode: f.mode ?? 'other',
    direction: f.direction ?? 'neither',
    outcome: f.outcome ?? 'other',
    subject: f.subject ?? '',
    note: f.note ?? '',
    staffUserId: f.staffUserId ?? null,
    recallId: f.recallId ?? null,
    isImported: allowImported ? (f.isImported ?? false) : false,
    customData: f.customData ?? null,
  };
}

/** The write shape of the patient-scoped create/update answers (L18640, L15110): no id. */
function echo(req: SandboxRequest, index: PracticeIndex, c: Commlog) {
  return {
    date_time: renderDateTime(req, index.tz, c.dateTimeMs),
    mode: c.mode,
    direction: c.direction,
    outcome: c.outcome,
    subject: c.subject,
    note: c.note,
    staff_user: c.staffUserId,
    recall: c.recallId ?? null,
    custom_data: c.customData ?? null,
  };
}

/** The practice-wide create answer (L18330): the row with its id, without the read-only stamps. */
function created(req: SandboxRequest, index: PracticeIndex, c: Commlog) {
  return {
    id: c.id,
    patient: c.patientId,
    ...echo(req, index, c),
    is_imported: c.isImported ?? false,
  };
}

/** One object, or an array of objects (bulk create, L18565); 400 on anything else. */
function bodies(req: SandboxRequest): { items: Body[]; bulk: boolean } {
  const body = req.body ?? {};
  if (Array.isArray(body)) {
    if (body.length > BULK_MAX)
      throw badRequest({ non_field_errors: [`Ensure this list has at most ${BULK_MAX} items.`] });
    if (body.some((b) => typeof b !== 'object' || b === null || Array.isArray(b))) {
      throw badRequest({ non_field_errors: ['Expected a list of objects.'] });
    }
    return { items: body as Body[], bulk: true };
  }
  if (typeof body !== 'object') throw badRequest({ non_field_errors: ['Invalid data. Expected a dictionary.'] });
  return { items: [body as Body], bulk: false };
}

/** Validates every item first (DRF's many=True), then stores them all: a bad item writes nothing. */
function createAll(
  store: SandboxStore,
  req: SandboxRequest,
  build: (body: Body, i: number) => Commlog,
): { rows: Commlog[]; bulk: boolean } {
  const { items, bulk } = bodies(req);
  const rows = items.map((item, i) => {
    try {
      return build(item, i);
    } catch (err) {
      if (!bulk || !(err instanceof HttpError) || err.status !== 400) throw err;
      // DRF's many=True error: one error object per item, in order.
      const errors: unknown[] = items.map(() => ({}));
      errors[i] = err.body;
      throw new HttpError(400, errors);
    }
  });
  const data = req.practiceData as PracticeData;
  data.commlogs.push(...rows);
  store.count('commlog_created', rows.length);
  return { rows, bulk };
}

export function registerCommlogRoutes(router: Router, store: SandboxStore): void {
  router.get(`${P}/comms/commlog/`, READ, (req) => {
    const index = indexOf(store, req);
    const patient = queryUuid(req, 'patient');
    const from = queryDate(req, 'date_from');
    const to = queryDate(req, 'date_to');
    const rows = index.data.commlogs
      .filter((c) => !patient || c.patientId === patient)
      .filter((c) => {
        const day = index.tz.localDateOf(c.dateTimeMs);
        return (!from || day >= from) && (!to || day <= to);
      })
      .sort((a, b) => b.dateTimeMs - a.dateTimeMs || b.pk - a.pk);
    return paginate(req, rows, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (c) => serializeCommlog(req, index, c),
    });
  });

  // "Each record must include patient in the body since the endpoint is not patient-scoped."
  router.post(`${P}/comms/commlog/`, WRITE, (req) => {
    const index = indexOf(store, req);
    const { rows, bulk } = createAll(store, req, (body) => {
      const patientId = bodyRef(body, 'patient', (id) => index.patientById.has(id));
      if (!patientId) throw badRequest({ patient: ['This field is required.'] });
      return create(store, index, req, body, patientId, true);
    });
    const answer = rows.map((c) => created(req, index, c));
    return { status: 201, body: bulk ? answer : answer[0] };
  });

  const patientList = `${P}/patient/{patient_id}/comms/commlog/`;
  const patientOf = (index: PracticeIndex, req: SandboxRequest): Uuid => {
    const id = req.params.patient_id as string;
    if (!index.patientById.has(id)) throw notFound();
    return id;
  };
  const findLog = (index: PracticeIndex, req: SandboxRequest): Commlog => {
    const patientId = patientOf(index, req);
    const row = index.data.commlogs.find((c) => c.id === req.params.commlog_uid && c.patientId === patientId);
    if (!row) throw notFound();
    return row;
  };

  router.post(patientList, WRITE, (req) => {
    const index = indexOf(store, req);
    const patientId = patientOf(index, req);
    // The path names the patient; a `patient` in the body is not a field of this serializer.
    const { rows, bulk } = createAll(store, req, (body) => create(store, index, req, body, patientId, false));
    const answer = rows.map((c) => echo(req, index, c));
    return { status: 201, body: bulk ? answer : answer[0] };
  });

  router.get(`${patientList}{commlog_uid}/`, READ, (req) => {
    const index = indexOf(store, req);
    return { status: 200, body: serializeCommlog(req, index, findLog(index, req)) };
  });

  const update = (req: SandboxRequest) => {
    const index = indexOf(store, req);
    const row = findLog(index, req);
    const f = fields(store, index, bodyObject(req), row.patientId);
    if (f.dateTimeMs !== undefined) row.dateTimeMs = f.dateTimeMs;
    if (f.mode !== undefined) row.mode = f.mode;
    if (f.direction !== undefined) row.direction = f.direction;
    if (f.outcome !== undefined) row.outcome = f.outcome;
    if (f.subject !== undefined) row.subject = f.subject;
    if (f.note !== undefined) row.note = f.note;
    if (f.staffUserId !== undefined) row.staffUserId = f.staffUserId;
    if (f.recallId !== undefined) row.recallId = f.recallId;
    if (f.customData !== undefined) row.customData = f.customData;
    row.modifiedMs = Math.floor(req.nowMs / 1000) * 1000;
    store.count('commlog_updated');
    return { status: 200, body: echo(req, index, row) };
  };
  router.put(`${patientList}{commlog_uid}/`, WRITE, update);
  router.patch(`${patientList}{commlog_uid}/`, WRITE, update);

  router.delete(`${patientList}{commlog_uid}/`, WRITE, (req) => {
    const index = indexOf(store, req);
    const row = findLog(index, req);
    const data = req.practiceData as PracticeData;
    data.commlogs.splice(data.commlogs.indexOf(row), 1);
    store.count('commlog_deleted');
    return { status: 204 };
  });
}
