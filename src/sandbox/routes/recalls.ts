/**
 * Recall writes and detail (L904, L17460–17553) and the recall-type list (L969). The list reads
 * live in schedule-rows.ts. Writes answer the echo-only shape of the spec's samples (no `id`).
 */
import { badRequest, notFound } from '../http/errors.js';
import { bodyObject } from '../http/helpers.js';
import type { RouteOptions, Router, SandboxRequest } from '../http/types.js';
import type { PracticeIndex } from '../indexes.js';
import { type Body, bodyDate, bodyRef, has } from '../ledger/params.js';
import type { PracticeData, Recall } from '../model.js';
import { serializeRecall } from '../serialize.js';
import type { SandboxStore } from '../store.js';
import { P } from './appointments.js';

const READ: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['scheduling:read'] };
const WRITE: RouteOptions = {
  practiceScoped: true,
  practiceStaffOnly: true,
  scopes: ['scheduling:write'],
  write: true,
};

function indexOf(store: SandboxStore, req: SandboxRequest): PracticeIndex {
  return store.index((req.practiceData as PracticeData).practice.id);
}

function findRecall(index: PracticeIndex, req: SandboxRequest): Recall {
  const recall = index.data.recalls.find((r) => r.id === req.params.recall_uid);
  if (!recall) throw notFound();
  return recall;
}

/** The write shape the spec answers with (L940, L17520): the fields, no id. */
function echo(r: Recall) {
  return {
    patient: r.patientId,
    recall_type: r.recallType,
    date_due: r.dateDue,
    date_previous: r.datePrevious,
    date_scheduled: r.dateScheduled,
    is_disabled: r.isDisabled,
    custom_data: r.customData ?? null,
  };
}

function recallType(body: Body, required: boolean): string | undefined {
  if (!has(body, 'recall_type') || body.recall_type === undefined) {
    if (required) throw badRequest({ recall_type: ['This field is required.'] });
    return undefined;
  }
  const value = body.recall_type;
  if (typeof value !== 'string') throw badRequest({ recall_type: ['Not a valid string.'] });
  if (value.trim() === '') throw badRequest({ recall_type: ['This field may not be blank.'] });
  if (value.length > 100) throw badRequest({ recall_type: ['Ensure this field has no more than 100 characters.'] });
  return value;
}

function disabled(body: Body): boolean | undefined {
  if (!has(body, 'is_disabled')) return undefined;
  const value = body.is_disabled;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw badRequest({ is_disabled: ['Must be a valid boolean.'] });
}

/** Applies the sent fields (DRF saves only validated fields, on PUT as on PATCH). */
function apply(index: PracticeIndex, recall: Recall, body: Body, typeRequired: boolean): void {
  const patient = bodyRef(body, 'patient', (id) => index.patientById.has(id));
  if (patient === null) throw badRequest({ patient: ['This field may not be null.'] });
  const type = recallType(body, typeRequired);
  const due = bodyDate(body, 'date_due');
  const previous = bodyDate(body, 'date_previous');
  const scheduled = bodyDate(body, 'date_scheduled');
  const isDisabled = disabled(body);
  if (patient !== undefined) recall.patientId = patient;
  if (type !== undefined) recall.recallType = type;
  if (due !== undefined) recall.dateDue = due;
  if (previous !== undefined) recall.datePrevious = previous;
  if (scheduled !== undefined) recall.dateScheduled = scheduled;
  if (isDisabled !== undefined) recall.isDisabled = isDisabled;
  if (has(body, 'custom_data')) recall.customData = body.custom_data;
}

export function registerRecallRoutes(router: Router, store: SandboxStore): void {
  const list = `${P}/scheduling/recall/`;
  const detail = `${list}{recall_uid}/`;

  // No operationId (L969): the path is invented, beside the list (ASSUMPTIONS §1).
  router.get(`${list}types/`, READ, (req) => {
    const types = new Set(indexOf(store, req).data.recalls.map((r) => r.recallType));
    return { status: 200, body: { results: [...types].sort() } };
  });

  router.post(list, WRITE, (req) => {
    const data = req.practiceData as PracticeData;
    const index = indexOf(store, req);
    const body = bodyObject(req);
    if (!has(body, 'patient') || body.patient === undefined || body.patient === null) {
      throw badRequest({ patient: ['This field is required.'] });
    }
    const now = Math.floor(req.nowMs / 1000) * 1000;
    const recall: Recall = {
      id: store.newId(),
      pk: store.nextPk(),
      createdMs: now,
      modifiedMs: now,
      practiceId: data.practice.id,
      patientId: '',
      recallType: '',
      dateDue: null,
      datePrevious: null,
      dateScheduled: null,
      isDisabled: false,
    };
    apply(index, recall, body, true);
    data.recalls.push(recall);
    store.count('recall_created');
    return { status: 201, body: echo(recall) };
  });

  router.get(detail, READ, (req) => {
    const index = indexOf(store, req);
    return { status: 200, body: serializeRecall(index, findRecall(index, req), req.nowMs) };
  });

  const update = (typeRequired: boolean) => (req: SandboxRequest) => {
    const index = indexOf(store, req);
    const recall = findRecall(index, req);
    apply(index, recall, bodyObject(req), typeRequired);
    recall.modifiedMs = Math.floor(req.nowMs / 1000) * 1000;
    store.count('recall_updated');
    return { status: 200, body: echo(recall) };
  };
  // PUT requires recall_type (L17487); PATCH has no required field.
  router.put(detail, WRITE, update(true));
  router.patch(detail, WRITE, update(false));

  router.delete(detail, WRITE, (req) => {
    const data = req.practiceData as PracticeData;
    const recall = findRecall(indexOf(store, req), req);
    data.recalls.splice(data.recalls.indexOf(recall), 1);
    store.count('recall_deleted');
    return { status: 204 };
  });
}
