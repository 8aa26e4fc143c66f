/**
 * The clinical timeline (L2611, digest §8.8, ASSUMPTIONS §8) and the lists it aggregates:
 * procedures, notes, perio exams, treatment plans, imaging exams and commlogs.
 */
import { badRequest, notFound } from '../http/errors.js';
import { paginate, queryDate, queryEnum, renderDateTime, renderStamp, uuidFilter } from '../http/helpers.js';
import type { Quirks, Router, SandboxRequest } from '../http/types.js';
import type { PracticeIndex } from '../indexes.js';
import type { LocalDate, PracticeData, Uuid } from '../model.js';
import {
  serializeAppointment,
  serializeCommlog,
  serializeImaging,
  serializeNote,
  serializePerio,
  serializeProcedure,
  serializeTreatmentPlan,
} from '../serialize.js';
import type { SandboxStore } from '../store.js';
import { dateToDayNum } from '../time.js';

const READ = { practiceScoped: true, practiceStaffOnly: true, scopes: ['patients:read'] };
const BASE = '/api/v1/practice/{practice_uid}/patient/{patient_id}';

export const EVENT_TYPES = [
  'procedure',
  'note',
  'perio_exam',
  'treatment_plan',
  'imaging',
  'communication',
  'appointment',
] as const;
type EventType = (typeof EVENT_TYPES)[number];

function patientScope(store: SandboxStore, req: SandboxRequest): { index: PracticeIndex; patientId: Uuid } {
  const data = req.practiceData as PracticeData;
  const index = store.index(data.practice.id);
  const patientId = req.params.patient_id as string;
  // A patient of another practice is a cross-tenant id: 404.
  if (!index.patientById.has(patientId)) throw notFound();
  return { index, patientId };
}

const MODES: Record<string, string> = {
  phone: 'Phone call',
  email: 'Email',
  text: 'Text',
  fax: 'Fax',
  mail: 'Letter',
  in_person: 'In person',
  web: 'Web message',
  other: 'Contact',
};

interface Event {
  type: EventType;
  id: Uuid;
  sortMs: number;
  createdMs: number;
  date: string | null;
  title: string;
  data: () => unknown;
}

function byDateDesc<T extends { pk: number }>(key: (row: T) => string | number | null) {
  return (a: T, b: T) => {
    const ka = key(a) ?? '';
    const kb = key(b) ?? '';
    return ka < kb ? 1 : ka > kb ? -1 : b.pk - a.pk;
  };
}

function inRange(date: LocalDate | null, from?: LocalDate, to?: LocalDate): boolean {
  if (!from && !to) return true;
  if (date === null) return false;
  return (!from || date >= from) && (!to || date <= to);
}

/**
 * One timeline event under `timelineShape` (ASSUMPTIONS §8; the spec has no schema): `flat` is the
 * source row with `event_type` added (no envelope date or title), `object` names the envelope
 * `kind`/`timestamp`/`summary`/`object`, `unknown` is a shape no client could read.
 */
function renderTimelineEvent(shape: Quirks['timelineShape'], e: Event): unknown {
  switch (shape) {
    case 'flat':
      return { ...(e.data() as Record<string, unknown>), event_type: e.type };
    case 'object':
      return { kind: e.type, id: e.id, timestamp: e.date, summary: e.title, object: e.data() };
    case 'unknown':
      return { when: e.date, what: e.type, payload: e.data() };
    default:
      return { event_type: e.type, id: e.id, date: e.date, title: e.title, data: e.data() };
  }
}

export function registerClinicalRoutes(router: Router, store: SandboxStore): void {
  router.get(`${BASE}/clinical/timeline/`, READ, (req) => {
    const { index, patientId } = patientScope(store, req);
    const tz = index.tz;
    const raw = req.query.get('event_type');
    let types: Set<EventType> = new Set(EVENT_TYPES);
    if (raw !== null && raw.trim() !== '') {
      const requested = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = requested.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
      if (unknown.length > 0) {
        throw badRequest({
          event_type: [`Unknown event type(s): ${unknown.join(', ')}. Valid values: ${EVENT_TYPES.join(', ')}.`],
        });
      }
      types = new Set(requested as EventType[]);
    }
    // Date-only keys sort at local midnight of that date (§8.8).
    const midnight = (date: LocalDate) => tz.localToInstantLenient(dateToDayNum(date) as number, 0);
    const events: Event[] = [];
    if (types.has('procedure')) {
      for (const p of index.patientRows('procedures', patientId)) {
        const date = p.dateComplete ?? p.procDate;
        events.push({
          type: 'procedure',
          id: p.id,
          sortMs: date ? midnight(date) : p.createdMs,
          createdMs: p.createdMs,
          date: date ?? renderStamp(p.createdMs),
          title: `${p.procCode} ${p.description}${p.toothNum ? ` #${p.toothNum}` : ''}`,
          data: () => serializeProcedure(store, index, p),
        });
      }
    }
    if (types.has('note')) {
      for (const n of index.patientRows('notes', patientId)) {
        events.push({
          type: 'note',
          id: n.id,
          sortMs: n.noteDate ? midnight(n.noteDate) : n.createdMs,
          createdMs: n.createdMs,
          date: n.noteDate ?? renderStamp(n.createdMs),
          title: `${n.noteType === 'clinical' ? 'Clinical' : n.noteType[0]?.toUpperCase() + n.noteType.slice(1)} note: ${n.subject}`,
          data: () => serializeNote(index, n),
        });
      }
    }
    if (types.has('perio_exam')) {
      for (const e of index.patientRows('perioExams', patientId)) {
        events.push({
          type: 'perio_exam',
          id: e.id,
          sortMs: e.examDateMs,
          createdMs: e.createdMs,
          date: renderDateTime(req, tz, e.examDateMs),
          title: `Perio exam (${e.stage}, ${e.grade})`,
          data: () => serializePerio(req, index, e),
        });
      }
    }
    if (types.has('treatment_plan')) {
      for (const t of index.patientRows('treatmentPlans', patientId)) {
        events.push({
          type: 'treatment_plan',
          id: t.id,
          sortMs: t.dateCreated ? midnight(t.dateCreated) : t.createdMs,
          createdMs: t.createdMs,
          date: t.dateCreated ?? renderStamp(t.createdMs),
          title: `Treatment plan: ${t.name} (${t.status})`,
          data: () => serializeTreatmentPlan(index, t),
        });
      }
    }
    if (types.has('imaging')) {
      for (const e of index.patientRows('imagingExams', patientId)) {
        events.push({
          type: 'imaging',
          id: e.id,
          sortMs: midnight(e.examDate),
          createdMs: e.createdMs,
          date: e.examDate,
          title: `Imaging: ${e.name} (${e.imageCount} image${e.imageCount === 1 ? '' : 's'})`,
          data: () => serializeImaging(index, e),
        });
      }
    }
    if (types.has('communication')) {
      for (const c of index.patientRows('commlogs', patientId)) {
        events.push({
          type: 'communication',
          id: c.id,
          sortMs: c.dateTimeMs,
          createdMs: c.createdMs,
          date: renderDateTime(req, tz, c.dateTimeMs),
          title: `${MODES[c.mode] ?? 'Contact'} ${c.direction === 'received' ? 'received' : 'sent'}: ${c.subject}`,
          data: () => serializeCommlog(req, index, c),
        });
      }
    }
    if (types.has('appointment')) {
      for (const a of index.appointmentsOfPatient(patientId)) {
        events.push({
          type: 'appointment',
          id: a.id,
          sortMs: a.startMs,
          createdMs: a.createdMs,
          date: renderDateTime(req, tz, a.startMs),
          title: `Appointment: ${a.appointmentType || 'Visit'} (${a.status})`,
          data: () => serializeAppointment(req, store, index, a),
        });
      }
    }
    // Newest first; ties by created desc, then id (ASSUMPTIONS §8).
    events.sort((a, b) => b.sortMs - a.sortMs || b.createdMs - a.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return paginate(req, events, {
      defaultPageSize: 50,
      maxPageSize: 200,
      serialize: (e) => renderTimelineEvent(req.quirks.timelineShape, e),
    });
  });

  router.get(`${BASE}/clinical/procedure/`, READ, (req) => {
    const { index, patientId } = patientScope(store, req);
    const from = queryDate(req, 'date_from');
    const to = queryDate(req, 'date_to');
    const providers = uuidFilter(req, 'provider');
    const status = req.query.get('status') || undefined;
    const search = (req.query.get('search') ?? '').toLowerCase();
    const rows = index
      .patientRows('procedures', patientId)
      .filter(
        (p) =>
          inRange(p.procDate, from, to) &&
          (!providers || (p.providerId !== null && providers.has(p.providerId))) &&
          (!status || p.status === status) &&
          (!search || `${p.procCode} ${p.description} ${p.toothNum}`.toLowerCase().includes(search)),
      )
      .sort(byDateDesc((p) => p.procDate));
    return paginate(req, rows, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (p) => serializeProcedure(store, index, p),
    });
  });

  router.get(`${BASE}/clinical/note/`, READ, (req) => {
    const { index, patientId } = patientScope(store, req);
    const from = queryDate(req, 'date_from');
    const to = queryDate(req, 'date_to');
    const type = queryEnum(req, 'note_type', [
      'clinical',
      'consult',
      'exam',
      'hygiene',
      'lab',
      'other',
      'phone',
    ] as const);
    const providers = uuidFilter(req, 'provider');
    const search = (req.query.get('search') ?? '').toLowerCase();
    const rows = index
      .patientRows('notes', patientId)
      .filter(
        (n) =>
          inRange(n.noteDate, from, to) &&
          (!type || n.noteType === type) &&
          (!providers || (n.providerId !== null && providers.has(n.providerId))) &&
          (!search || `${n.subject} ${n.content}`.toLowerCase().includes(search)),
      )
      .sort(byDateDesc((n) => n.noteDate ?? new Date(n.createdMs).toISOString().slice(0, 10)));
    return paginate(req, rows, { defaultPageSize: 20, maxPageSize: 100, serialize: (n) => serializeNote(index, n) });
  });

  router.get(`${BASE}/clinical/perio/`, READ, (req) => {
    const { index, patientId } = patientScope(store, req);
    const rows = [...index.patientRows('perioExams', patientId)].sort(
      (a, b) => b.examDateMs - a.examDateMs || b.pk - a.pk,
    );
    return paginate(req, rows, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (e) => serializePerio(req, index, e),
    });
  });

  router.get(`${BASE}/clinical/treatment-plan/`, READ, (req) => {
    const { index, patientId } = patientScope(store, req);
    const status = queryEnum(req, 'status', ['accepted', 'active', 'archived', 'completed', 'declined'] as const);
    const rows = index
      .patientRows('treatmentPlans', patientId)
      .filter((t) => !status || t.status === status)
      .sort(byDateDesc((t) => t.dateCreated));
    return paginate(req, rows, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (t) => serializeTreatmentPlan(index, t),
    });
  });

  router.get(`${BASE}/imaging/exam/`, READ, (req) => {
    const { index, patientId } = patientScope(store, req);
    const rows = [...index.patientRows('imagingExams', patientId)].sort(byDateDesc((e) => e.examDate));
    return paginate(req, rows, { defaultPageSize: 20, maxPageSize: 100, serialize: (e) => serializeImaging(index, e) });
  });

  router.get(`${BASE}/comms/commlog/`, READ, (req) => {
    const { index, patientId } = patientScope(store, req);
    const from = queryDate(req, 'date_from');
    const to = queryDate(req, 'date_to');
    const rows = index
      .patientRows('commlogs', patientId)
      .filter((c) => inRange(index.tz.localDateOf(c.dateTimeMs), from, to))
      .sort((a, b) => b.dateTimeMs - a.dateTimeMs || b.pk - a.pk);
    return paginate(req, rows, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (c) => serializeCommlog(req, index, c),
    });
  });
}
