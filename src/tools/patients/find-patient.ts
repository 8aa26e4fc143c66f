/**
 * find_patient — who is "Jane Example"? A few candidates with just enough to tell them apart
 * (id, name, date of birth, last and next visit, primary provider), exact name matches first.
 * The ids (patient, next visit's appointment) are what the write tools take.
 */
import { z } from 'zod';
import { EscapeApiError } from '../../api/errors.js';
import type { Patient } from '../../api/port.js';
import { quoted, shownCode, shownName, shownPlace } from '../../domain/free-text.js';
import { apiErrorText } from '../framework/error-mapping.js';
import type { ToolContext, ToolDefinition } from '../framework/types.js';
import { describeInstant, providerLabel, rosters } from '../framework/writes/index.js';
import {
  checkPatientQuery,
  patientArguments,
  patientName,
  retrievePatient,
  searchPatients,
  visitsOf,
} from './patient-lookup.js';

const inputSchema = z.object({
  ...patientArguments,
  max_results: z.number().int().min(1).max(10).default(5).describe('Most candidates to return, 1–10.'),
});

const candidateSchema = z.object({
  id: z.string(),
  name: z.string(),
  date_of_birth: z.string().optional(),
  status: z.string().optional(),
  exact_match: z.boolean(),
  primary_provider: z.string().optional(),
  last_visit: z.string().optional(),
  /** True when the visits could not be read: then no last or next visit is stated either way. */
  visits_unknown: z.boolean().optional(),
  next_visit: z
    .object({
      appointment_id: z.string(),
      start: z.string(),
      provider: z.string().optional(),
      appointment_type: z.string().optional(),
    })
    .optional(),
});

const outputSchema = z.object({
  practice: z.string(),
  timezone: z.string(),
  candidates: z.array(candidateSchema),
  more: z.boolean(),
  notes: z.array(z.string()),
});

type Output = z.infer<typeof outputSchema>;
type CandidateOut = z.infer<typeof candidateSchema>;

export const findPatientTool: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'find_patient',
  toolset: 'patients',
  title: 'Find a patient',
  description:
    'Looks a patient up by name (or preferred name), phone, or id, narrowed by date of birth. Returns a few candidates, exact matches first, with last and next visit and primary provider.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['patients:read'],
  writes: false,
  operations: ['patients.list', 'patients.retrieve', 'clinical.timeline', 'providers.list', 'operatories.list'],
  example: {
    question: 'When was David Valdivia last in, and is anything booked?',
    answer:
      '1 patient at Sunset Smiles Dental:\n- David Valdivia, born 1969-08-16 — id 6b8b12c9-…; last visit 2026-06-18; no upcoming visit; primary provider Dr. Maya Chen',
  },
  async handler(context, args) {
    const query = checkPatientQuery(args);
    let found: { patient: Patient; exact: boolean }[];
    let more = false;
    if (query.patient_id) {
      found = [{ patient: await retrievePatient(context, query.patient_id), exact: true }];
    } else {
      const { exact, partial, truncated } = await searchPatients(context, query);
      const all = [
        ...exact.map((patient) => ({ patient, exact: true })),
        ...partial.map((patient) => ({ patient, exact: !query.name })),
      ];
      more = all.length > args.max_results || truncated;
      found = all.slice(0, args.max_results);
    }

    const r = await rosters(context);
    const notes: string[] = [];
    const candidates = await Promise.all(
      found.map(async ({ patient, exact }): Promise<CandidateOut> => {
        context.notePatient(patient.id);
        const provider = providerLabel(r, patient.primary_provider);
        const out: CandidateOut = {
          id: patient.id,
          name: patientName(patient),
          ...(patient.date_of_birth ? { date_of_birth: patient.date_of_birth } : {}),
          ...(patient.status ? { status: patient.status } : {}),
          exact_match: exact,
          ...(provider ? { primary_provider: provider } : {}),
        };
        let visits: Awaited<ReturnType<typeof visitsOf>>;
        try {
          visits = await visitsOf(context, patient.id);
        } catch (error) {
          if (context.signal.aborted) throw error;
          visits = {
            unreadable: error instanceof EscapeApiError ? apiErrorText(error) : 'Visits could not be read just now.',
          };
        }
        if (visits.unreadable !== undefined) {
          out.visits_unknown = true;
          const line = `Visits could not be read for ${shownName(out.name)} (id ${out.id}): ${visits.unreadable}`;
          if (!notes.includes(line)) notes.push(line);
        } else {
          if (visits.lastVisit) out.last_visit = visits.lastVisit.date;
          if (visits.nextVisit) {
            const next = visits.nextVisit;
            const with_ = providerLabel(r, next.providerId);
            out.next_visit = {
              appointment_id: next.appointmentId,
              start: next.start,
              ...(with_ ? { provider: with_ } : {}),
              ...(next.type ? { appointment_type: next.type } : {}),
            };
          }
        }
        return out;
      }),
    );
    if (candidates.length > 1) notes.push('Several patients match: ask which one is meant before acting on one.');
    const structured: Output = {
      practice: context.practice.name,
      timezone: context.practice.timezone,
      candidates,
      more,
      notes,
    };
    return { structured, summary: summarize(context, structured) };
  },
};

function summarize(context: ToolContext, output: Output): string {
  const zone = context.practice.timezone;
  const count = output.candidates.length;
  const lines = [
    `${count} patient${count === 1 ? '' : 's'} at ${shownPlace(output.practice)}${count > 1 ? ', exact name matches first' : ''}:`,
  ];
  for (const c of output.candidates) {
    const type = c.next_visit && quoted('of type', c.next_visit.appointment_type, 80);
    const next = c.next_visit
      ? `next ${describeInstant(Date.parse(c.next_visit.start), zone)}${type ? ` ${type}` : ''}${c.next_visit.provider ? ` with ${shownName(c.next_visit.provider)}` : ''} (appointment ${c.next_visit.appointment_id})`
      : 'no upcoming visit';
    lines.push(
      `- ${shownName(c.name) ?? `patient ${c.id}`}${c.date_of_birth ? `, born ${shownCode('date of birth', c.date_of_birth)}` : ''}${c.status && c.status !== 'active' ? ` (${shownCode('status', c.status)})` : ''} — id ${c.id}; ${c.visits_unknown ? 'visits unknown: they could not be read (see note)' : `${c.last_visit ? `last visit ${c.last_visit}` : 'no completed visit on record'}; ${next}`}${c.primary_provider ? `; primary provider ${shownName(c.primary_provider)}` : ''}${c.exact_match ? '' : '; name only partly matches'}`,
    );
  }
  if (output.more) lines.push('More patients match: add the date of birth or phone to narrow it down.');
  for (const note of output.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}
