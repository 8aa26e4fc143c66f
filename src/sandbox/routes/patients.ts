/**
 * Patients (digest §5, §8.9): list with search, phone, status, provider, ordering, include and the
 * visit filters; retrieve.
 */
import { badRequest, notFound } from '../http/errors.js';
import { formatCents, paginate, queryBool, queryDate, queryEnum, uuidFilter } from '../http/helpers.js';
import type { Router, SandboxRequest } from '../http/types.js';
import type { PracticeIndex } from '../indexes.js';
import type { LocalDate, Patient, PracticeData, Uuid } from '../model.js';
import { serializePatient } from '../serialize.js';
import type { SandboxStore } from '../store.js';

const READ = { practiceScoped: true, practiceStaffOnly: true, scopes: ['patients:read'] };
const STATUSES = ['active', 'inactive', 'archived', 'deceased', 'prospective'] as const;
const ORDER_FIELDS = new Set(['last_name', 'first_name', 'date_of_birth', 'created', 'modified', 'status']);

interface Visits {
  first: LocalDate | null;
  firstProductionCents: number;
  last: LocalDate | null;
  hasFuture: boolean;
}

/** Per-patient search text and visit facts, cached on the practice index. */
function patientFacts(index: PracticeIndex, nowMs: number) {
  const cache = index.cache<string, unknown>('patientFacts');
  let search = cache.get('search') as Map<Uuid, string> | undefined;
  if (!search) {
    search = new Map();
    // One lower-cased string per patient; NUL separators keep a token from matching across fields.
    for (const p of index.data.patients) {
      search.set(
        p.id,
        [p.firstName, p.lastName, p.preferredName, p.email, p.phoneHome ?? '', p.phoneWork ?? '', p.phoneMobile ?? '']
          .join('\u0000')
          .toLowerCase(),
      );
    }
    cache.set('search', search);
  }
  let phoneDigits = cache.get('phones') as Map<Uuid, string> | undefined;
  if (!phoneDigits) {
    phoneDigits = new Map();
    for (const p of index.data.patients) {
      phoneDigits.set(
        p.id,
        [p.phoneHome, p.phoneWork, p.phoneMobile]
          .filter((x): x is string => !!x)
          .map(digits)
          .join('|'),
      );
    }
    cache.set('phones', phoneDigits);
  }
  let byName = cache.get('byName') as Patient[] | undefined;
  if (!byName) {
    byName = [...index.data.patients].sort((a, b) => compare(a, b, ['last_name', 'first_name']));
    cache.set('byName', byName);
  }
  const visitKey = `visits:${Math.floor(nowMs / 60_000)}`;
  let visits = cache.get(visitKey) as Map<Uuid, Visits> | undefined;
  if (!visits) {
    visits = new Map();
    for (const a of index.appointmentsSorted) {
      let v = visits.get(a.patientId);
      if (!v) {
        v = { first: null, firstProductionCents: 0, last: null, hasFuture: false };
        visits.set(a.patientId, v);
      }
      // Visits are completed appointments (complete / ready_for_walkout), by practice-local date (L1325).
      if ((a.status === 'complete' || a.status === 'ready_for_walkout') && a.startMs <= nowMs) {
        if (v.first === null) {
          v.first = a.localDate;
          v.firstProductionCents = a.scheduledProcedures.reduce((s, p) => s + p.feeCents, 0);
        }
        v.last = a.localDate;
      }
      if (a.startMs > nowMs && a.status === 'scheduled') v.hasFuture = true;
    }
    for (const key of [...cache.keys()]) if (key.startsWith('visits:')) cache.delete(key);
    cache.set(visitKey, visits);
  }
  return { search, visits, byName, phoneDigits };
}

function digits(text: string): string {
  return text.replace(/\D/g, '');
}

function compare(a: Patient, b: Patient, fields: string[]): number {
  for (const f of fields) {
    const desc = f.startsWith('-');
    const key = desc ? f.slice(1) : f;
    const av = sortValue(a, key);
    const bv = sortValue(b, key);
    if (av < bv) return desc ? 1 : -1;
    if (av > bv) return desc ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sortValue(p: Patient, key: string): string | number {
  switch (key) {
    case 'last_name':
      return p.lastName.toLowerCase();
    case 'first_name':
      return p.firstName.toLowerCase();
    case 'date_of_birth':
      return p.dateOfBirth ?? '';
    case 'created':
      return p.createdMs;
    case 'modified':
      return p.modifiedMs;
    case 'status':
      return p.status;
    default:
      return 0;
  }
}

export function registerPatientRoutes(router: Router, store: SandboxStore): void {
  router.get('/api/v1/practice/{practice_uid}/patient/', READ, (req: SandboxRequest) => {
    const data = req.practiceData as PracticeData;
    const index = store.index(data.practice.id);
    const q = req.query;
    const { search, visits, byName, phoneDigits } = patientFacts(index, req.nowMs);
    const tokens = (q.get('search') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const phone = digits(q.get('phone') ?? '');
    if ((q.get('phone') ?? '') !== '' && phone.length < 3) throw badRequest({ phone: ['Enter at least 3 digits.'] });
    const status = queryEnum(req, 'status', STATUSES);
    const providers = uuidFilter(req, 'provider');
    const firstFrom = queryDate(req, 'first_visit_date_from');
    const firstTo = queryDate(req, 'first_visit_date_to');
    const lastBefore = queryDate(req, 'last_visit_before');
    const hasFuture = queryBool(req, 'has_future_appointment');
    const prodGteRaw = q.get('first_visit_production_gte');
    const prodGte = prodGteRaw ? Number(prodGteRaw) : undefined;
    if (prodGte !== undefined && !Number.isFinite(prodGte))
      throw badRequest({ first_visit_production_gte: ['A valid number is required.'] });
    const include = new Set(
      (q.get('include') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    for (const i of include) {
      if (i !== 'first_visit' && i !== 'last_visit') throw badRequest({ include: [`Unknown include group "${i}".`] });
    }
    if (firstFrom || firstTo || prodGte !== undefined) include.add('first_visit');
    if (lastBefore) include.add('last_visit');
    const ordering = (q.get('ordering') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((f) => ORDER_FIELDS.has(f.replace(/^-/, '')));
    // The default order (last_name, first_name, id) is precomputed; filtering keeps it.
    const rows = (ordering.length > 0 ? data.patients : byName).filter((p) => {
      if (status && p.status !== status) return false;
      if (providers && !(p.primaryProviderId && providers.has(p.primaryProviderId))) return false;
      if (tokens.length > 0) {
        const text = search.get(p.id) ?? '';
        // Every token must be a substring of some field (case-insensitive, no accent folding).
        if (!tokens.every((t) => text.includes(t))) return false;
      }
      if (phone && !(phoneDigits.get(p.id) ?? '').includes(phone)) return false;
      const v = visits.get(p.id);
      if (firstFrom && !(v?.first && v.first >= firstFrom)) return false;
      if (firstTo && !(v?.first && v.first <= firstTo)) return false;
      if (prodGte !== undefined && !(v?.first && v.firstProductionCents >= Math.round(prodGte * 100))) return false;
      if (lastBefore && !(v?.last && v.last <= lastBefore)) return false;
      if (hasFuture !== undefined && (v?.hasFuture ?? false) !== hasFuture) return false;
      return true;
    });
    if (ordering.length > 0) rows.sort((a, b) => compare(a, b, ordering));
    return paginate(req, rows, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (p) => {
        const out: Record<string, unknown> = serializePatient(p);
        const v = visits.get(p.id);
        if (include.has('first_visit')) {
          out.first_visit_date = v?.first ?? null;
          out.first_visit_production = v?.first ? formatCents(v.firstProductionCents) : null;
        }
        if (include.has('last_visit')) out.last_visit_date = v?.last ?? null;
        return out;
      },
    });
  });

  router.get('/api/v1/practice/{practice_uid}/patient/{patient_uid}/', READ, (req) => {
    const data = req.practiceData as PracticeData;
    const patient = store.index(data.practice.id).patientById.get(req.params.patient_uid as string);
    if (!patient) throw notFound();
    return { status: 200, body: serializePatient(patient) };
  });
}
