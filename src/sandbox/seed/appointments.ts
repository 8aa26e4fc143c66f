/** Appointments over ≈12 months past and ≈6 months future (filled in below). */
import type { LocalDate, PracticeData, Uuid } from '../model.js';
import type { PracticeFixture } from './generate.js';
import type { PatientFixtures } from './patients.js';
import type { Random } from './random.js';
import type { RowFactory } from './rows.js';
import type { StaffFixture } from './staff.js';

export interface AppointmentContext {
  rows: RowFactory;
  random: Random;
  today: LocalDate;
  nowMs: number;
  large: boolean;
  staff: StaffFixture;
  patientFixtures: PatientFixtures;
  staffUserIds: Uuid[];
  density: number;
}

export function generateAppointments(_data: PracticeData, _ctx: AppointmentContext): PracticeFixture['appointments'] {
  return { dstSpring: [], dstFall: [], lateNight: { id: '', localDate: '', utcDate: '' }, spanningLunch: null };
}
