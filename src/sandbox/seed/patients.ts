/** Synthetic patients: mixed phone formats, DOBs, statuses, plus the named fixture patients. */
import type { LocalDate, Patient, PatientStatus, Provider, Uuid } from '../model.js';
import { FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES, STREET_KINDS, STREETS, UNICODE_NAMES } from './names.js';
import type { PracticeSpec } from './org.js';
import type { Random } from './random.js';
import type { RowFactory } from './rows.js';

export interface PatientFixtures {
  /** Two patients with the same first and last name (different DOB and phone). */
  ambiguousName: [Uuid, Uuid];
  /** Two patients sharing last name and date of birth (different first names). */
  sameLastNameAndDob: [Uuid, Uuid];
  /** Patients whose names carry diacritics / non-ASCII letters. */
  unicode: Uuid[];
  /** The patient with rows of all seven timeline sources. */
  timeline: Uuid;
  /** The patient whose clinical notes contain instruction-looking text. */
  injectionNote: Uuid;
  /** A patient with several broken (no-show) appointments. */
  frequentNoShow: Uuid;
  /** The patient record behind the demo patient user (same email). */
  portal: Uuid;
}

interface Named {
  first: string;
  last: string;
  gender: Patient['gender'];
  dob: LocalDate;
  email?: string;
  phoneMobile?: string | null;
}

/** Formats one of the fictional 555-01xx numbers in one of the styles practices actually store. */
export function formatPhone(random: Random, areaCode: string, line: number): string {
  const last4 = String(line).padStart(4, '0');
  const style = random.int(0, 5);
  switch (style) {
    case 0:
      return `(${areaCode}) 555-${last4}`;
    case 1:
      return `${areaCode}.555.${last4}`;
    case 2:
      return `+1${areaCode}555${last4}`;
    case 3:
      return `${areaCode}-555-${last4}`;
    case 4:
      return `${areaCode}555${last4}`;
    default:
      return `1 (${areaCode}) 555-${last4}`;
  }
}

function ascii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

export function generatePatients(
  rows: RowFactory,
  random: Random,
  spec: PracticeSpec,
  practiceId: Uuid,
  count: number,
  today: LocalDate,
  dentists: Provider[],
  hygienists: Provider[],
  inactiveDentist: Provider | undefined,
  createdBaseMs: number,
  portalEmail: string | null,
): { patients: Patient[]; fixtures: PatientFixtures } {
  const patients: Patient[] = [];
  const fixtureNames: Named[] = [
    { first: 'Emily', last: 'Johnson', gender: 'female', dob: '1988-03-14' },
    { first: 'Emily', last: 'Johnson', gender: 'female', dob: '1995-11-02' },
    { first: 'Michael', last: 'Nguyen', gender: 'male', dob: '1984-07-19' },
    { first: 'Sarah', last: 'Nguyen', gender: 'female', dob: '1984-07-19' },
    { first: 'Theodora', last: 'Quill', gender: 'female', dob: '1971-09-30' },
    { first: 'Marcus', last: 'Holloway', gender: 'male', dob: '1979-02-11' },
    { first: 'Kevin', last: 'Brandt', gender: 'male', dob: '1992-06-08' },
    {
      first: 'Rosa',
      last: 'Delgado',
      gender: 'female',
      dob: '1990-12-24',
      ...(portalEmail ? { email: portalEmail } : {}),
    },
  ];
  const reserved = new Set(fixtureNames.map((n) => `${n.first}|${n.last}`));
  const areaCodes = spec.areaCodes;
  let phoneLine = 100;
  const nextPhone = () => {
    phoneLine = phoneLine >= 199 ? 100 : phoneLine + 1;
    return formatPhone(random, random.pick(areaCodes), phoneLine);
  };
  const todayYear = Number(today.slice(0, 4));
  const makeDob = (): LocalDate => {
    const age = random.weighted<[number, number]>([
      [[3, 17], 18],
      [[18, 39], 32],
      [[40, 64], 35],
      [[65, 92], 15],
    ]);
    const year = todayYear - random.int(age[0], age[1]);
    return `${year}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`;
  };
  const activeDentists = dentists.length > 0 ? dentists : [];

  const make = (n: Named, index: number): Patient => {
    const status: PatientStatus =
      index < fixtureNames.length + UNICODE_NAMES.length
        ? 'active'
        : random.weighted<PatientStatus>([
            ['active', 85],
            ['inactive', 8],
            ['archived', 4],
            ['prospective', 2],
            ['deceased', 1],
          ]);
    const created = createdBaseMs + random.int(0, 400) * 86_400_000 + random.int(0, 86_399) * 1000;
    const hasMobile = n.phoneMobile !== undefined ? n.phoneMobile !== null : random.bool(0.86);
    const primary =
      inactiveDentist && random.bool(0.04)
        ? inactiveDentist
        : activeDentists.length > 0
          ? random.pick(activeDentists)
          : null;
    const email =
      n.email ?? (random.bool(0.85) ? `${ascii(n.first)}.${ascii(n.last)}${random.int(1, 999)}@example.com` : '');
    const r = rows.row(created, created + random.int(0, 90) * 86_400_000);
    return {
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId,
      firstName: n.first,
      lastName: n.last,
      preferredName: random.bool(0.08) ? n.first.slice(0, Math.max(2, Math.min(4, n.first.length - 1))) : '',
      email,
      dateOfBirth: random.bool(0.99) || index < 30 ? n.dob : null,
      gender: n.gender,
      status,
      phoneHome: random.bool(0.35) ? nextPhone() : null,
      phoneWork: random.bool(0.15) ? nextPhone() : null,
      phoneMobile: hasMobile ? (n.phoneMobile ?? nextPhone()) : null,
      address: `${random.int(10, 9899)} ${random.pick(STREETS)} ${random.pick(STREET_KINDS)}`,
      city: spec.city,
      state: spec.state,
      zipCode: spec.zipCode,
      primaryProviderId: primary?.id ?? null,
      secondaryProviderId: hygienists.length > 0 && random.bool(0.6) ? random.pick(hygienists).id : null,
      balanceCurrentCents: random.bool(0.7) ? 0 : random.int(1, 800) * 500,
      lastRecallDate: null,
      nextRecallDate: null,
      prefersEmail: random.bool(0.5),
      prefersSms: random.bool(0.7),
    };
  };

  fixtureNames.forEach((n, i) => {
    patients.push(make(n, i));
  });
  UNICODE_NAMES.forEach(([first, last], i) => {
    patients.push(
      make({ first, last, gender: i % 2 === 0 ? 'male' : 'female', dob: makeDob() }, fixtureNames.length + i),
    );
  });
  while (patients.length < count) {
    const female = random.bool(0.52);
    const first = female ? random.pick(FIRST_NAMES_F) : random.pick(FIRST_NAMES_M);
    const last = random.pick(LAST_NAMES);
    if (reserved.has(`${first}|${last}`)) continue;
    const dob = makeDob();
    if (last === 'Nguyen' && dob === '1984-07-19') continue;
    patients.push(make({ first, last, gender: female ? 'female' : 'male', dob }, patients.length));
  }
  // Keep list order independent of fixture placement: the API orders by name anyway.
  const fixtures: PatientFixtures = {
    ambiguousName: [patients[0]?.id as Uuid, patients[1]?.id as Uuid],
    sameLastNameAndDob: [patients[2]?.id as Uuid, patients[3]?.id as Uuid],
    timeline: patients[4]?.id as Uuid,
    injectionNote: patients[5]?.id as Uuid,
    frequentNoShow: patients[6]?.id as Uuid,
    portal: patients[7]?.id as Uuid,
    unicode: patients.slice(fixtureNames.length, fixtureNames.length + UNICODE_NAMES.length).map((p) => p.id),
  };
  // The ambiguous pair must differ in phone so a phone search can tell them apart.
  const [a, b] = [patients[0], patients[1]];
  if (a && b && a.phoneMobile === b.phoneMobile) b.phoneMobile = nextPhone();
  if (patients[4]) patients[4].dateOfBirth = '1971-09-30';
  return { patients, fixtures };
}
