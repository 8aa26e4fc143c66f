/**
 * Providers, operatories, weekly templates (0=Sunday, L1220) and date overrides for one practice.
 */
import type {
  LocalDate,
  Operatory,
  OverrideStatus,
  Provider,
  ProviderType,
  ScheduleOverride,
  ScheduleTemplate,
  ScheduleType,
  Uuid,
} from '../model.js';
import { addDays, dateToDayNum, dayNumToDate, timeZone, weekdaySun } from '../time.js';
import type { PracticeSpec } from './org.js';
import type { RowFactory } from './rows.js';

interface ProviderPlan {
  key: string;
  first: string;
  last: string;
  type: ProviderType;
  active?: boolean;
  webSched?: boolean;
  hidden?: boolean;
  /** Weekly working blocks: weekdays (0=Sunday), local start/end, operatory keys (null = any chair). */
  work: { days: number[]; start: string; end: string; ops: string[] | null }[];
}

interface OperatoryPlan {
  key: string;
  name: string;
  abbreviation: string;
  hygiene?: boolean;
  bookable?: boolean;
  webSched?: boolean;
  hidden?: boolean;
  dentist?: string;
  hygienist?: string;
}

interface PracticePlan {
  providers: ProviderPlan[];
  operatories: OperatoryPlan[];
  /** Practice-wide office hours per weekday (0=Sunday). */
  hours: Record<number, [string, string]>;
  lunchDays: number[];
}

const WEEKDAYS = [1, 2, 3, 4, 5];

const PLANS: Record<PracticeSpec['key'], PracticePlan> = {
  la: {
    providers: [
      {
        key: 'chen',
        first: 'Maya',
        last: 'Chen',
        type: 'dentist',
        work: [{ days: WEEKDAYS, start: '08:00', end: '17:00', ops: ['op1', 'op2'] }],
      },
      {
        key: 'okafor',
        first: 'Samuel',
        last: 'Okafor',
        type: 'dentist',
        work: [{ days: [1, 3, 5], start: '08:00', end: '17:00', ops: ['op3', 'op2'] }],
      },
      {
        key: 'patel',
        first: 'Priya',
        last: 'Patel',
        type: 'hygienist',
        work: [{ days: WEEKDAYS, start: '08:00', end: '17:00', ops: ['hyg1'] }],
      },
      {
        key: 'meyer',
        first: 'Lucas',
        last: 'Meyer',
        type: 'hygienist',
        webSched: false,
        work: [{ days: [2, 4], start: '08:00', end: '16:00', ops: ['hyg2'] }],
      },
      {
        key: 'finch',
        first: 'Harold',
        last: 'Finch',
        type: 'dentist',
        active: false,
        hidden: true,
        work: [{ days: [2], start: '09:00', end: '15:00', ops: null }],
      },
    ],
    operatories: [
      { key: 'op1', name: 'Operatory 1', abbreviation: 'OP1', dentist: 'chen' },
      { key: 'op2', name: 'Operatory 2', abbreviation: 'OP2', dentist: 'chen' },
      { key: 'op3', name: 'Operatory 3', abbreviation: 'OP3', webSched: false, dentist: 'okafor' },
      { key: 'hyg1', name: 'Hygiene 1', abbreviation: 'HYG1', hygiene: true, hygienist: 'patel' },
      { key: 'hyg2', name: 'Hygiene 2', abbreviation: 'HYG2', hygiene: true, hygienist: 'meyer' },
      {
        key: 'notes',
        name: 'Notes (no patients)',
        abbreviation: 'NOTE',
        bookable: false,
        webSched: false,
        hidden: true,
      },
    ],
    hours: {
      1: ['08:00', '17:00'],
      2: ['08:00', '17:00'],
      3: ['08:00', '17:00'],
      4: ['08:00', '17:00'],
      5: ['08:00', '17:00'],
    },
    lunchDays: WEEKDAYS,
  },
  ny: {
    providers: [
      {
        key: 'goldberg',
        first: 'Ruth',
        last: 'Goldberg',
        type: 'dentist',
        work: [
          { days: [1, 2, 3, 4], start: '08:00', end: '17:00', ops: ['opa'] },
          { days: [5], start: '08:00', end: '14:00', ops: ['opa'] },
        ],
      },
      {
        key: 'santos',
        first: 'Miguel',
        last: 'Santos',
        type: 'dentist',
        work: [
          { days: [1, 2, 3, 4], start: '08:00', end: '17:00', ops: ['opb', 'consult'] },
          { days: [6], start: '09:00', end: '13:00', ops: ['opb'] },
        ],
      },
      {
        key: 'obrien',
        first: 'Declan',
        last: "O'Brien",
        type: 'dentist',
        webSched: false,
        work: [{ days: [2, 4, 5], start: '08:00', end: '14:00', ops: ['opc'] }],
      },
      {
        key: 'kim',
        first: 'Grace',
        last: 'Kim',
        type: 'hygienist',
        work: [
          { days: [1, 2, 3, 4], start: '08:00', end: '17:00', ops: ['hyga'] },
          { days: [6], start: '09:00', end: '13:00', ops: ['hyga'] },
        ],
      },
      {
        key: 'dubois',
        first: 'Amélie',
        last: 'Dubois',
        type: 'hygienist',
        work: [{ days: [1, 3, 5], start: '08:00', end: '14:00', ops: ['hygb'] }],
      },
      {
        key: 'walsh',
        first: 'Patrick',
        last: 'Walsh',
        type: 'hygienist',
        active: false,
        work: [{ days: [2], start: '08:00', end: '17:00', ops: ['hygb'] }],
      },
    ],
    operatories: [
      { key: 'opa', name: 'Op A', abbreviation: 'A', dentist: 'goldberg' },
      { key: 'opb', name: 'Op B', abbreviation: 'B', dentist: 'santos' },
      { key: 'opc', name: 'Op C', abbreviation: 'C', dentist: 'obrien' },
      { key: 'hyga', name: 'Hygiene A', abbreviation: 'HA', hygiene: true, hygienist: 'kim' },
      { key: 'hygb', name: 'Hygiene B', abbreviation: 'HB', hygiene: true, hygienist: 'dubois' },
      { key: 'consult', name: 'Consult Room', abbreviation: 'CR', webSched: false, dentist: 'santos' },
      { key: 'overflow', name: 'Overflow (imported notes)', abbreviation: 'OVF', bookable: false, webSched: false },
    ],
    hours: {
      1: ['08:00', '17:00'],
      2: ['08:00', '17:00'],
      3: ['08:00', '17:00'],
      4: ['08:00', '17:00'],
      5: ['08:00', '14:00'],
      6: ['09:00', '13:00'],
    },
    lunchDays: [1, 2, 3, 4],
  },
  chicago: {
    providers: [
      {
        key: 'novak',
        first: 'Irena',
        last: 'Novak',
        type: 'dentist',
        work: [{ days: WEEKDAYS, start: '09:00', end: '17:00', ops: ['op1'] }],
      },
      {
        key: 'brooks',
        first: 'Tyrone',
        last: 'Brooks',
        type: 'dentist',
        webSched: false,
        work: [{ days: [2, 4], start: '09:00', end: '17:00', ops: ['op2'] }],
      },
      {
        key: 'lind',
        first: 'Karin',
        last: 'Lind',
        type: 'hygienist',
        work: [{ days: WEEKDAYS, start: '09:00', end: '17:00', ops: ['hyg1'] }],
      },
      { key: 'ames', first: 'Nora', last: 'Ames', type: 'hygienist', active: false, work: [] },
    ],
    operatories: [
      { key: 'op1', name: 'Operatory 1', abbreviation: 'OP1', dentist: 'novak' },
      { key: 'op2', name: 'Operatory 2', abbreviation: 'OP2', webSched: false, dentist: 'brooks' },
      { key: 'hyg1', name: 'Hygiene 1', abbreviation: 'HYG1', hygiene: true, hygienist: 'lind' },
      { key: 'hyg2', name: 'Hygiene 2', abbreviation: 'HYG2', hygiene: true },
      { key: 'notes', name: 'Notes', abbreviation: 'NOTE', bookable: false, webSched: false, hidden: true },
    ],
    hours: {
      1: ['09:00', '17:00'],
      2: ['09:00', '17:00'],
      3: ['09:00', '17:00'],
      4: ['09:00', '17:00'],
      5: ['09:00', '17:00'],
    },
    lunchDays: WEEKDAYS,
  },
};

/** A mega-practice for `scale: 'large'` benchmarks (replaces the Los Angeles plan). */
function largePlan(): PracticePlan {
  const providers: ProviderPlan[] = [];
  const operatories: OperatoryPlan[] = [];
  const firsts = [
    'Ava',
    'Ben',
    'Cara',
    'Dev',
    'Eli',
    'Fay',
    'Gus',
    'Hana',
    'Ivo',
    'Jun',
    'Kai',
    'Lea',
    'Max',
    'Nia',
    'Otto',
    'Pia',
    'Quin',
    'Rui',
    'Sia',
    'Tom',
    'Uma',
    'Vic',
    'Wes',
    'Xia',
    'Yan',
    'Zed',
    'Abe',
    'Bea',
    'Cy',
    'Dee',
  ];
  const lasts = [
    'Abbott',
    'Bishop',
    'Chung',
    'Dalton',
    'Ellis',
    'Fischer',
    'Grant',
    'Hayes',
    'Ito',
    'Jensen',
    'Klein',
    'Lowe',
    'Moss',
    'Nash',
    'Ortega',
    'Pruitt',
    'Quinn',
    'Rhodes',
    'Shah',
    'Tate',
    'Ueda',
    'Vance',
    'Weber',
    'Xu',
    'York',
    'Zimmer',
    'Arden',
    'Boyd',
    'Crane',
    'Drake',
  ];
  // 46 chairs with their own provider: enough for 200k+ appointments over the 18-month window.
  for (let i = 0; i < 46; i++) {
    const hygienist = i >= 28;
    const opKey = `${hygienist ? 'h' : 'o'}${i}`;
    operatories.push({
      key: opKey,
      name: `${hygienist ? 'Hygiene' : 'Operatory'} ${i + 1}`,
      abbreviation: `${hygienist ? 'H' : 'O'}${i + 1}`,
      hygiene: hygienist,
    });
    providers.push({
      key: `p${i}`,
      first: `${firsts[i % firsts.length] as string}${i >= firsts.length ? ` ${String.fromCharCode(65 + Math.floor(i / firsts.length))}.` : ''}`,
      last: lasts[(i * 7) % lasts.length] as string,
      type: hygienist ? 'hygienist' : 'dentist',
      webSched: i % 7 !== 3,
      work: [{ days: [1, 2, 3, 4, 5, 6], start: '07:00', end: '19:00', ops: [opKey] }],
    });
  }
  providers.push({ key: 'retired', first: 'Old', last: 'Timer', type: 'dentist', active: false, work: [] });
  for (let i = 0; i < 6; i++)
    operatories.push({
      key: `x${i}`,
      name: `Flex ${i + 1}`,
      abbreviation: `F${i + 1}`,
      bookable: i !== 5,
      webSched: i % 2 === 0,
    });
  const hours: Record<number, [string, string]> = {};
  for (const d of [1, 2, 3, 4, 5, 6]) hours[d] = ['07:00', '19:00'];
  return { providers, operatories, hours, lunchDays: [1, 2, 3, 4, 5, 6] };
}

export interface StaffFixture {
  providers: Provider[];
  operatories: Operatory[];
  templates: ScheduleTemplate[];
  overrides: ScheduleOverride[];
  providerByKey: Map<string, Provider>;
  operatoryByKey: Map<string, Operatory>;
  dentists: Provider[];
  hygienists: Provider[];
  inactiveProvider: Provider;
  notWebSchedProvider: Provider;
  notBookableOperatory: Operatory;
  hygieneOperatory: Operatory;
  notWebSchedOperatory: Operatory;
  dates: {
    closure: LocalDate;
    holidays: LocalDate[];
    nextHoliday: LocalDate | null;
    providerDayOff: { date: LocalDate; providerId: Uuid };
    providerAfternoonOff: { date: LocalDate; providerId: Uuid };
    extendedHours: { date: LocalDate; providerId: Uuid };
    meetingBlockout: LocalDate;
    springForward: LocalDate[];
    fallBack: LocalDate[];
  };
}

/** The first weekday on or after `date` whose practice hours are open (Mon–Thu are open everywhere). */
function nextWorkday(date: LocalDate, used: Set<LocalDate>, allowed: number[] = [1, 2, 3, 4]): LocalDate {
  let d = date;
  for (let i = 0; i < 30; i++) {
    const n = dateToDayNum(d) as number;
    if (allowed.includes(weekdaySun(n)) && !used.has(d)) {
      used.add(d);
      return d;
    }
    d = addDays(d, 1);
  }
  return d;
}

/** Local dates of the DST changes of `tz` between two dates (inclusive). */
export function dstDates(tzName: string, from: LocalDate, to: LocalDate): { spring: LocalDate[]; fall: LocalDate[] } {
  const tz = timeZone(tzName);
  const spring: LocalDate[] = [];
  const fall: LocalDate[] = [];
  const start = dateToDayNum(from) as number;
  const end = dateToDayNum(to) as number;
  for (let n = start; n <= end; n++) {
    const info = tz.day(n);
    if (info.uniform) continue;
    if (info.after > info.before) spring.push(info.date);
    else fall.push(info.date);
  }
  return { spring, fall };
}

/** US federal holidays a dental office closes for, in [from, to]. */
function usHolidays(from: LocalDate, to: LocalDate): LocalDate[] {
  const out: LocalDate[] = [];
  const y0 = Number(from.slice(0, 4));
  const y1 = Number(to.slice(0, 4));
  const nthWeekday = (y: number, month: number, weekday: number, nth: number) => {
    const first = Date.UTC(y, month - 1, 1) / 86_400_000;
    const offset = (weekday - weekdaySun(first) + 7) % 7;
    return dayNumToDate(first + offset + (nth - 1) * 7);
  };
  const lastWeekday = (y: number, month: number, weekday: number) => {
    const last = Date.UTC(y, month, 0) / 86_400_000;
    const offset = (weekdaySun(last) - weekday + 7) % 7;
    return dayNumToDate(last - offset);
  };
  for (let y = y0; y <= y1; y++) {
    const list = [
      `${y}-01-01`,
      lastWeekday(y, 5, 1), // Memorial Day
      `${y}-07-04`,
      nthWeekday(y, 9, 1, 1), // Labor Day
      nthWeekday(y, 11, 4, 4), // Thanksgiving
      `${y}-12-25`,
    ];
    for (const d of list) {
      const wd = weekdaySun(dateToDayNum(d) as number);
      if (d >= from && d <= to && wd !== 0 && wd !== 6) out.push(d);
    }
  }
  return out.sort();
}

export function generateStaff(
  rows: RowFactory,
  spec: PracticeSpec,
  practiceId: Uuid,
  today: LocalDate,
  createdMs: number,
  large: boolean,
): StaffFixture {
  const plan = large && spec.key === 'la' ? largePlan() : PLANS[spec.key];
  const providers: Provider[] = [];
  const providerByKey = new Map<string, Provider>();
  plan.providers.forEach((p, i) => {
    const provider: Provider = {
      ...rows.row(createdMs),
      practiceId,
      firstName: p.first,
      lastName: p.last,
      abbreviation: `${p.first[0]}${p.last[0]}${p.type === 'hygienist' ? 'H' : 'D'}${i + 1}`.toUpperCase(),
      specialty: p.type === 'hygienist' ? 'Dental Hygiene' : i % 3 === 1 ? 'Prosthodontics' : 'General Dentistry',
      providerType: p.type,
      color: ['#3B82F6', '#10B981', '#F59E0B', '#EF4444', '#8B5CF6', '#EC4899', '#14B8A6'][i % 7] as string,
      npi: String(1_000_000_000 + ((i * 7919 + spec.key.length * 104_729) % 899_999_999)),
      isHidden: p.hidden ?? false,
      isSecondary: p.type === 'hygienist',
      isActive: p.active ?? true,
      isWebSched: p.webSched ?? true,
    };
    providers.push(provider);
    providerByKey.set(p.key, provider);
  });

  const operatories: Operatory[] = [];
  const operatoryByKey = new Map<string, Operatory>();
  plan.operatories.forEach((o, i) => {
    const op: Operatory = {
      ...rows.row(createdMs),
      practiceId,
      name: o.name,
      abbreviation: o.abbreviation,
      providerDentistId: o.dentist ? (providerByKey.get(o.dentist)?.id ?? null) : null,
      providerHygienistId: o.hygienist ? (providerByKey.get(o.hygienist)?.id ?? null) : null,
      isHygiene: o.hygiene ?? false,
      isHidden: o.hidden ?? false,
      isBookable: o.bookable ?? true,
      sortOrder: i + 1,
      isWebSched: o.webSched ?? true,
    };
    operatories.push(op);
    operatoryByKey.set(o.key, op);
  });

  const templates: ScheduleTemplate[] = [];
  const template = (
    providerId: Uuid | null,
    operatoryId: Uuid | null,
    day: number,
    start: string,
    end: string,
    scheduleType: ScheduleType,
    blockoutType = '',
  ) =>
    templates.push({
      ...rows.row(createdMs),
      practiceId,
      providerId,
      operatoryId,
      dayOfWeek: day,
      startTime: `${start}:00`,
      endTime: `${end}:00`,
      scheduleType,
      blockoutType,
      isActive: true,
    });
  for (const [day, [start, end]] of Object.entries(plan.hours)) {
    template(null, null, Number(day), start, end, 'office_hours');
  }
  for (const day of plan.lunchDays) template(null, null, day, '12:00', '13:00', 'blockout', 'lunch');
  plan.providers.forEach((p) => {
    const provider = providerByKey.get(p.key) as Provider;
    for (const block of p.work) {
      for (const day of block.days) {
        if (block.ops === null) template(provider.id, null, day, block.start, block.end, 'provider');
        else
          for (const opKey of block.ops) {
            template(provider.id, operatoryByKey.get(opKey)?.id ?? null, day, block.start, block.end, 'provider');
          }
      }
    }
  });
  // An inactive template row (ignored by the schedule, still listed).
  const firstDentist = providers.find((p) => p.providerType === 'dentist' && p.isActive) as Provider;
  templates.push({
    ...rows.row(createdMs),
    practiceId,
    providerId: firstDentist.id,
    operatoryId: null,
    dayOfWeek: 6,
    startTime: '09:00:00',
    endTime: '12:00:00',
    scheduleType: 'provider',
    blockoutType: '',
    isActive: false,
  });

  // ---- overrides, laid out around today
  const overrides: ScheduleOverride[] = [];
  const override = (
    providerId: Uuid | null,
    date: LocalDate,
    start: string,
    end: string,
    scheduleType: ScheduleType,
    status: OverrideStatus,
    blockoutType: string,
    note: string,
    operatoryId: Uuid | null = null,
  ) =>
    overrides.push({
      ...rows.row(createdMs),
      practiceId,
      providerId,
      operatoryId,
      scheduleDate: date,
      startTime: start,
      endTime: end,
      scheduleType,
      blockoutType,
      status,
      note,
    });

  const from = addDays(today, -400);
  const to = addDays(today, 400);
  const holidays = usHolidays(addDays(today, -370), addDays(today, 200));
  for (const h of holidays)
    override(null, h, '00:00:00', '23:59:59', 'office_hours', 'holiday', 'holiday', 'Office closed for the holiday');
  const used = new Set<LocalDate>([today, ...holidays]);
  const closure = nextWorkday(addDays(today, 10), used);
  override(null, closure, '00:00:00', '23:59:59', 'office_hours', 'closed', '', 'Office closed: staff training day');
  const hygienists = providers.filter((p) => p.providerType === 'hygienist' && p.isActive);
  const dentists = providers.filter((p) => p.providerType === 'dentist' && p.isActive);
  const dayOff = nextWorkday(addDays(today, 7), used);
  override(firstDentist.id, dayOff, '00:00:00', '23:59:59', 'provider', 'closed', 'time_off', 'Vacation day');
  const hyg = hygienists[0] as Provider;
  const afternoonOff = nextWorkday(addDays(today, 5), used);
  override(
    hyg.id,
    afternoonOff,
    '13:00:00',
    '17:00:00',
    'blockout',
    'closed',
    'time_off',
    'Dentist appointment (personal)',
  );
  const extended = nextWorkday(addDays(today, 14), used);
  override(
    null,
    extended,
    '07:00:00',
    '19:00:00',
    'office_hours',
    'open',
    '',
    'Extended hours for the insurance year-end rush',
  );
  override(firstDentist.id, extended, '07:00:00', '19:00:00', 'provider', 'open', '', 'Working the extended day');
  const meeting = nextWorkday(addDays(today, 3), used);
  override(null, meeting, '08:00:00', '09:00:00', 'blockout', 'closed', 'meeting', 'Monthly staff meeting');
  // Past overrides too, so history reads see them.
  override(
    firstDentist.id,
    nextWorkday(addDays(today, -40), used),
    '00:00:00',
    '23:59:59',
    'provider',
    'closed',
    'time_off',
    'Continuing-education course',
  );

  // Sunday early-morning hours on every DST Sunday, so DST gaps and overlaps are exercised (§8.11).
  const dst = dstDates(spec.timezone, from, to);
  for (const date of [...dst.spring, ...dst.fall].sort()) {
    override(null, date, '00:00:00', '06:00:00', 'office_hours', 'open', '', 'Overnight emergency clinic (DST Sunday)');
    override(
      firstDentist.id,
      date,
      '00:00:00',
      '06:00:00',
      'provider',
      'open',
      '',
      'On call',
      operatories[0]?.id ?? null,
    );
    if (hyg) {
      const hygOp = operatories.find((o) => o.isHygiene && o.isBookable) ?? null;
      override(hyg.id, date, '00:00:00', '06:00:00', 'provider', 'open', '', 'On call', hygOp?.id ?? null);
    }
  }
  overrides.sort((a, b) => (a.scheduleDate < b.scheduleDate ? -1 : a.scheduleDate > b.scheduleDate ? 1 : a.pk - b.pk));

  const inactiveProvider = providers.find((p) => !p.isActive) as Provider;
  const notWebSchedProvider = providers.find((p) => p.isActive && !p.isWebSched) as Provider;
  return {
    providers,
    operatories,
    templates,
    overrides,
    providerByKey,
    operatoryByKey,
    dentists,
    hygienists,
    inactiveProvider,
    notWebSchedProvider,
    notBookableOperatory: operatories.find((o) => !o.isBookable) as Operatory,
    hygieneOperatory: operatories.find((o) => o.isHygiene && o.isBookable) as Operatory,
    notWebSchedOperatory: operatories.find((o) => o.isBookable && !o.isWebSched) as Operatory,
    dates: {
      closure,
      holidays,
      nextHoliday: holidays.find((h) => h > today) ?? null,
      providerDayOff: { date: dayOff, providerId: firstDentist.id },
      providerAfternoonOff: { date: afternoonOff, providerId: hyg.id },
      extendedHours: { date: extended, providerId: firstDentist.id },
      meetingBlockout: meeting,
      springForward: dst.spring,
      fallBack: dst.fall,
    },
  };
}
