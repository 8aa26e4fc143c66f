/**
 * log_contact — records a call or message attempt against a recall, with its outcome, in Escape
 * Dental's communication log (a commlog linked to the recall, L18288/L18322). The recall itself
 * is not changed: its `last_reached_at` follows from the log (ASSUMPTIONS §15, §17). Confirmed by
 * the person and written once, like a booking (writes/pipeline.ts).
 */
import { z } from 'zod';
import { NotFound } from '../../api/errors.js';
import { sameId } from '../../api/paths.js';
import { CONTACT_MODES, CONTACT_OUTCOMES, type Recall } from '../../api/resources/recalls.js';
import { quoted, shownCode, shownName, shownPlace } from '../../domain/free-text.js';
import { sanitizeUserText } from '../../domain/names.js';
import { ToolInputError } from '../framework/errors.js';
import type { ToolContext, ToolDefinition, ToolSuccess } from '../framework/types.js';
import {
  awaitingConfirmation,
  confirmationArguments,
  possessive,
  refusalReasons,
  runWrite,
  type WriteResult,
} from '../framework/writes/index.js';
import { patientName } from '../patients/patient-lookup.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBJECT = 'Recall reminder';

const inputSchema = z.object({
  recall_id: z.string().min(1).max(60).describe("The recall's id (a recall_worklist row's recall_id)."),
  // A recall contact reaches the patient: the spec's fax and web modes are not offered.
  mode: z.enum(CONTACT_MODES).exclude(['fax', 'web']).default('phone').describe('How the patient was contacted.'),
  outcome: z
    .enum(CONTACT_OUTCOMES)
    .describe('What happened: success (reached), no_answer, voicemail, bounced, bad_number or other.'),
  note: z.string().max(500).optional().describe('A short note, e.g. "Will call back after the 15th".'),
  ...confirmationArguments,
});

const outputSchema = z.object({
  practice: z.string(),
  timezone: z.string(),
  status: z.enum(['logged', 'already_logged', 'confirmation_required', 'not_logged', 'not_confirmed']),
  recall_id: z.string(),
  patient_id: z.string().optional(),
  commlog_id: z.string().optional(),
  logged_at: z.string().optional(),
  confirmation_token: z.string().optional(),
  notes: z.array(z.string()),
});

type Output = z.infer<typeof outputSchema>;

export const logContact: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'log_contact',
  toolset: 'worklists',
  title: 'Log a recall contact attempt',
  description:
    "Records a call or message to a patient about a recall (recall_worklist's recall_id) and its outcome in the communication log, after the person confirms. Written once; an identical call within 10 minutes returns the first entry.",
  inputSchema,
  outputSchema,
  // Idempotent in effect: a repeat within the window returns the first entry (idempotency.ts).
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['patients:write', 'scheduling:read'],
  writes: true,
  operations: [
    'comms.commlogCreate',
    'comms.commlogRetrieve',
    'comms.patientCommlogs',
    'comms.smsConsents',
    'patients.retrieve',
    'recalls.retrieve',
  ],
  example: {
    question: 'I called David about his cleaning and left a voicemail — log it.',
    answer:
      '(asks) Log a phone call to David Valdivia about their prophy recall (due 2026-12-17) at Sunset Smiles Dental: outcome voicemail, now. Note «Left a message about the cleaning». Log it?\nLogged: phone voicemail for David Valdivia at 2026-12-06T16:21:54-08:00 (entry 2300b82c-…), linked to recall 3947418c-….',
  },
  async handler(context, args) {
    const recallId = args.recall_id.trim();
    if (!UUID.test(recallId)) {
      throw new ToolInputError(
        `"${shownCode('recall_id', recallId) ?? ''}" is not a recall id. Take the recall_id of a recall_worklist row.`,
      );
    }
    const note = args.note === undefined ? undefined : sanitizeUserText(args.note, { maxLength: 500, label: 'note' });
    const base = { practice: context.practice.name, timezone: context.practice.timezone, recall_id: recallId };

    return runWrite<Output>(context, {
      tool: 'log_contact',
      args,
      recall: async (remembered) =>
        remembered?.value.contact?.id ? loggedAnswer(base, remembered.value, true) : undefined,
      prepare: async () => {
        const recall = await readRecall(context, recallId);
        const patientId = recall.patient as string;
        context.notePatient(patientId);
        const patient = await context.api.patients.retrieve(context.practice.id, patientId, {
          signal: context.signal,
        });
        if (!sameId(patient.id, patientId)) {
          throw new ToolInputError(
            `Escape Dental answered the recall's patient ${patientId} with another patient record, so nothing was logged. Check the recall in Escape Dental.`,
          );
        }
        const name = patientName(patient);
        const notes: string[] = [];
        if (recall.is_disabled) {
          notes.push('This recall is disabled in Escape Dental: the patient may have asked not to be contacted.');
        }
        if (args.mode === 'text') {
          const consent = await context.api.recalls.smsConsent(context.practice.id, patientId, {
            signal: context.signal,
          });
          if (consent?.state === 'opted_out') notes.push('The patient has opted out of text messages (SMS).');
        }
        const summary = [
          `Log a ${modeWords(args.mode)} to ${shownName(name) ?? `patient ${patientId}`} about their ${shownCode('recall type', recall.recall_type) ?? ''} recall (due ${shownCode('date due', recall.date_due) ?? 'no date'}) at ${shownPlace(context.practice.name)}: outcome ${args.outcome.replace('_', ' ')}, now.`,
          ...(note ? [`${quoted('Note', note, 500)}.`] : []),
          ...notes,
        ].join('\n');
        const withPatient = { ...base, patient_id: patientId };
        return {
          intent: {
            action: 'log_contact',
            target: { patientId, recallId: recall.id },
            body: {
              patient: patientId,
              recall: recall.id,
              mode: args.mode,
              direction: 'sent',
              outcome: args.outcome,
              subject: SUBJECT,
              ...(note ? { note } : {}),
            },
          },
          patientName: name,
          rosters: { providers: [], operatories: [] },
          summary,
          question: 'Log it?',
          tokenAnswer: awaitingConfirmation('log_contact', withPatient, notes, summary, 'Nothing is logged yet.'),
          declined: () => ({
            structured: {
              ...withPatient,
              status: 'not_logged',
              notes: ['The person did not confirm; nothing was logged.'],
            },
            summary: `Not logged: the person did not confirm the ${modeWords(args.mode)} to ${shownName(name) ?? 'the patient'}.`,
          }),
          what: 'contact log entry',
          checkHint: `look at ${possessive(name)} communication log in Escape Dental (recall_worklist shows the last contact)`,
          refused: (error) =>
            new ToolInputError(
              `Escape Dental refused the contact log entry: ${refusalReasons(error, 'the provider', undefined).join('; ')}. Nothing was logged.`,
            ),
          recheck: async () => {
            // Under the lock: the recall may have been deleted or moved to another patient since.
            const current = await context.api.recalls
              .getRecall(context.practice.id, recall.id, { signal: context.signal })
              .catch((error: unknown) => {
                if (error instanceof NotFound) return undefined;
                throw error;
              });
            if (current?.patient && sameId(current.patient, patientId)) return undefined;
            return {
              structured: { ...withPatient, status: 'not_logged', notes: ['The recall changed; nothing was logged.'] },
              summary: `Not logged: recall ${recall.id} ${current ? 'now belongs to another patient' : 'no longer exists'}. Look it up again with recall_worklist.`,
            };
          },
          answer: (result, repeated) => loggedAnswer(withPatient, result, repeated),
        };
      },
    });
  },
};

async function readRecall(context: ToolContext, recallId: string): Promise<Recall> {
  let recall: Recall;
  try {
    recall = await context.api.recalls.getRecall(context.practice.id, recallId, { signal: context.signal });
  } catch (error) {
    if (error instanceof NotFound) {
      throw new ToolInputError(
        `No recall with id ${recallId} at ${shownPlace(context.practice.name)}. recall_worklist lists the recalls with their ids.`,
      );
    }
    throw error;
  }
  if (!sameId(recall.id, recallId) || !recall.patient) {
    throw new ToolInputError(
      `Escape Dental answered recall ${recallId} with ${recall.patient ? `recall ${recall.id}` : 'a recall without a patient'}, so nothing was logged. Check the recall in Escape Dental.`,
    );
  }
  return recall;
}

function modeWords(mode: z.infer<typeof inputSchema>['mode']): string {
  return {
    phone: 'phone call',
    text: 'text message',
    email: 'email',
    mail: 'letter',
    in_person: 'conversation in person',
    other: 'contact',
  }[mode];
}

function loggedAnswer(
  base: { practice: string; timezone: string; recall_id: string; patient_id?: string },
  result: WriteResult,
  repeated: boolean,
): ToolSuccess<Output> {
  const contact = result.contact;
  const who = shownName(result.patientName) ?? 'the patient';
  if (!contact?.id || !contact.stored || result.problems.length > 0) {
    const problems = result.problems.join('; ') || 'it could not be read back';
    const line = `Contact log entry for ${who}: not confirmed; check the communication log in Escape Dental. ${problems.charAt(0).toUpperCase()}${problems.slice(1)}.`;
    return {
      structured: {
        ...base,
        status: 'not_confirmed',
        ...(contact?.id ? { commlog_id: contact.id } : {}),
        notes: [line, ...result.notes],
      },
      summary: [line, ...result.notes.map((n) => `Note: ${n}`)].join('\n'),
      auditOutcome: 'not_confirmed',
    };
  }
  const stored = contact.stored;
  const line = repeated
    ? `Already logged by an identical request: ${shownCode('mode', stored.mode)} ${shownCode('outcome', stored.outcome)} for ${who} at ${contact.at} (entry ${contact.id}); nothing new was logged.`
    : `Logged: ${shownCode('mode', stored.mode)} ${shownCode('outcome', stored.outcome)} for ${who} at ${contact.at} (entry ${contact.id}), linked to recall ${base.recall_id}.`;
  return {
    structured: {
      ...base,
      status: repeated ? 'already_logged' : 'logged',
      commlog_id: contact.id,
      logged_at: contact.at,
      notes: [...result.notes],
    },
    summary: [line, ...result.notes.map((n) => `Note: ${n}`)].join('\n'),
  };
}
