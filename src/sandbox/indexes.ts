/**
 * Derived lookups over one practice's rows. Built lazily and thrown away on every write
 * (`store.invalidate`), so they never go stale; generated data shares one index per process.
 */
import type {
  Appointment,
  Operatory,
  Patient,
  PracticeData,
  Provider,
  ScheduleOverride,
  ScheduleTemplate,
  Uuid,
} from './model.js';
import { dateToDayNum, type TimeZone, timeZone } from './time.js';

type PatientRow = { patientId: Uuid };

export class PracticeIndex {
  readonly data: PracticeData;
  readonly tz: TimeZone;
  readonly providerById: Map<Uuid, Provider>;
  readonly operatoryById: Map<Uuid, Operatory>;
  readonly patientById: Map<Uuid, Patient>;
  private _appointmentById?: Map<Uuid, Appointment>;
  private _sorted?: Appointment[];
  private _byDay?: Map<number, Appointment[]>;
  private _byPatient?: Map<Uuid, Appointment[]>;
  private readonly _patientRows = new Map<string, Map<Uuid, unknown[]>>();
  private _templatesByWeekday?: ScheduleTemplate[][];
  private _overridesByDay?: Map<number, ScheduleOverride[]>;
  /** Per-day caches owned by other modules (e.g. the resolved schedule), keyed by name. */
  readonly caches = new Map<string, Map<unknown, unknown>>();

  constructor(data: PracticeData) {
    this.data = data;
    this.tz = timeZone(data.practice.timezone);
    this.providerById = new Map(data.providers.map((p) => [p.id, p]));
    this.operatoryById = new Map(data.operatories.map((o) => [o.id, o]));
    this.patientById = new Map(data.patients.map((p) => [p.id, p]));
  }

  get appointmentById(): Map<Uuid, Appointment> {
    this._appointmentById ??= new Map(this.data.appointments.map((a) => [a.id, a]));
    return this._appointmentById;
  }

  /** Every appointment ordered by `date_time` then pk (the list endpoint's order). */
  get appointmentsSorted(): Appointment[] {
    this._sorted ??= [...this.data.appointments].sort((a, b) => a.startMs - b.startMs || a.pk - b.pk);
    return this._sorted;
  }

  /** Appointments by practice-local day number, each list in list order. */
  appointmentsOnDay(dayNum: number): readonly Appointment[] {
    if (!this._byDay) {
      const byDay = new Map<number, Appointment[]>();
      for (const a of this.appointmentsSorted) {
        const day = dateToDayNum(a.localDate) ?? this.tz.dayNumOf(a.startMs);
        let list = byDay.get(day);
        if (!list) {
          list = [];
          byDay.set(day, list);
        }
        list.push(a);
      }
      this._byDay = byDay;
    }
    return this._byDay.get(dayNum) ?? [];
  }

  appointmentsOfPatient(patientId: Uuid): readonly Appointment[] {
    if (!this._byPatient) {
      const byPatient = new Map<Uuid, Appointment[]>();
      for (const a of this.appointmentsSorted) {
        let list = byPatient.get(a.patientId);
        if (!list) {
          list = [];
          byPatient.set(a.patientId, list);
        }
        list.push(a);
      }
      this._byPatient = byPatient;
    }
    return this._byPatient.get(patientId) ?? [];
  }

  /** Rows of a patient-keyed collection (`notes`, `perioExams`, `procedures`, …) for one patient. */
  patientRows<K extends PatientCollection>(collection: K, patientId: Uuid): readonly PracticeData[K][number][] {
    let map = this._patientRows.get(collection);
    if (!map) {
      map = new Map();
      for (const row of this.data[collection] as PatientRow[]) {
        let list = map.get(row.patientId);
        if (!list) {
          list = [];
          map.set(row.patientId, list);
        }
        list.push(row);
      }
      this._patientRows.set(collection, map);
    }
    return (map.get(patientId) ?? []) as PracticeData[K][number][];
  }

  /** Active templates by weekday (0=Sunday). */
  templatesOn(weekdaySun: number): readonly ScheduleTemplate[] {
    if (!this._templatesByWeekday) {
      const byDay: ScheduleTemplate[][] = [[], [], [], [], [], [], []];
      for (const t of this.data.templates) {
        if (t.isActive && t.dayOfWeek >= 0 && t.dayOfWeek <= 6) byDay[t.dayOfWeek]?.push(t);
      }
      this._templatesByWeekday = byDay;
    }
    return this._templatesByWeekday[weekdaySun] ?? [];
  }

  overridesOn(dayNum: number): readonly ScheduleOverride[] {
    if (!this._overridesByDay) {
      const byDay = new Map<number, ScheduleOverride[]>();
      for (const o of this.data.overrides) {
        const day = dateToDayNum(o.scheduleDate);
        if (day === null) continue;
        let list = byDay.get(day);
        if (!list) {
          list = [];
          byDay.set(day, list);
        }
        list.push(o);
      }
      this._overridesByDay = byDay;
    }
    return this._overridesByDay.get(dayNum) ?? [];
  }

  cache<K, V>(name: string): Map<K, V> {
    let map = this.caches.get(name);
    if (!map) {
      map = new Map();
      this.caches.set(name, map);
    }
    return map as Map<K, V>;
  }
}

export type PatientCollection =
  | 'procedures'
  | 'notes'
  | 'perioExams'
  | 'treatmentPlans'
  | 'imagingExams'
  | 'commlogs'
  | 'recalls'
  | 'patientInsurance'
  | 'claims'
  | 'payments'
  | 'adjustments'
  | 'verifications'
  | 'smsConsents'
  | 'medicalAlerts';

export function buildIndex(data: PracticeData): PracticeIndex {
  return new PracticeIndex(data);
}
