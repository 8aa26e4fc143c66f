/**
 * playbook — the text of a prompt (morning-huddle, fill-todays-gaps, recall-calls) as a tool
 * answer, for clients that do not show MCP prompts: the same playbook, filled in for the practice.
 */
import { z } from 'zod';
import { shownPlace } from '../../domain/free-text.js';
import { sanitizeUserText } from '../../domain/names.js';
import { checkedDate } from '../framework/shared.js';
import type { ToolDefinition } from '../framework/types.js';
import { PLAYBOOKS, playbookNamed, renderPlaybook } from '../prompts/playbooks.js';

const NAMES = PLAYBOOKS.map((playbook) => playbook.name) as [string, ...string[]];

const inputSchema = z.object({
  name: z.enum(NAMES).describe(`Which playbook: ${NAMES.join(', ')}.`),
  provider: z.string().min(1).max(120).optional().describe('Only this provider, by name.'),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'use a calendar date as YYYY-MM-DD, e.g. 2026-03-14' })
    .optional()
    .describe('Day, YYYY-MM-DD (default today).'),
});

const outputSchema = z.object({ name: z.string(), title: z.string(), text: z.string() });

export const playbookTool: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'playbook',
  toolset: 'worklists',
  title: 'Front-desk playbook',
  description: `The steps of a front-desk routine (${NAMES.join(', ')}): which tools to call, in order, with which arguments. The same text as the prompts of that name.`,
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScopes: ['scheduling:read'],
  writes: false,
  operations: [],
  example: {
    question: 'How do I work through the recall calls?',
    answer:
      'Work the recall calls for Sunset Smiles Dental. Call these tools in order:\n1. recall_worklist { practice: "Sunset Smiles Dental" } — Go through the rows whose action is call, most overdue first; pass next_cursor for more.\n2. log_contact { practice: "Sunset Smiles Dental", recall_id: "<row recall_id>", mode: "phone", outcome: "<success | no_answer | voicemail | bad_number | other>" } — Record every attempt right after the call; the person confirms.\n3. find_spot { … } 4. book_appointment { … }',
  },
  async handler(context, args) {
    const playbook = playbookNamed(args.name);
    if (!playbook) throw new Error(`No playbook ${args.name}.`);
    const date = checkedDate(args.date, 'date');
    const provider =
      args.provider === undefined ? undefined : sanitizeUserText(args.provider, { maxLength: 120, label: 'provider' });
    const text = renderPlaybook(playbook, {
      practice: shownPlace(context.practice.name) ?? context.practice.id,
      ...(provider ? { provider } : {}),
      ...(date ? { date } : {}),
    });
    return { structured: { name: playbook.name, title: playbook.title, text }, summary: text };
  },
};
