/** The four read tools with the arguments every benchmark uses (the Los Angeles fixture practice). */
import { DateTime } from 'luxon';

export type ToolName = 'find_spot' | 'patient_timeline' | 'claims_summary' | 'production_report';

export interface BenchCall {
  name: ToolName;
  args: Record<string, unknown>;
}

export interface PracticeFixture {
  id: string;
  name: string;
  patients: Record<string, unknown>;
}

export function benchCalls(la: PracticeFixture): BenchCall[] {
  // A fixed window a few weeks out, so answers do not move during a run.
  const start = DateTime.now().setZone('America/Los_Angeles').plus({ days: 21 }).toISODate() as string;
  return [
    { name: 'find_spot', args: { practice: la.name, duration_minutes: 60, start_date: start, max_results: 10 } },
    { name: 'patient_timeline', args: { practice: la.name, patient_id: la.patients.timeline as string } },
    { name: 'claims_summary', args: { practice: la.name } },
    { name: 'production_report', args: { practice: la.name, period: 'last_month' } },
  ];
}
