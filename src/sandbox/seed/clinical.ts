/** Clinical rows: notes, perio exams, treatment plans, imaging exams, commlogs, recalls. */
import type { LocalDate, PracticeData, ProcedureCode, Uuid } from '../model.js';
import type { PatientFixtures } from './patients.js';
import type { Random } from './random.js';
import type { RowFactory } from './rows.js';

export interface ClinicalContext {
  rows: RowFactory;
  random: Random;
  today: LocalDate;
  nowMs: number;
  large: boolean;
  patientFixtures: PatientFixtures;
  staffUserIds: Uuid[];
  procedureCodes: ProcedureCode[];
}

export function generateClinical(_data: PracticeData, _ctx: ClinicalContext): { injectionNoteIds: Uuid[] } {
  return { injectionNoteIds: [] };
}
